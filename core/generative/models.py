"""The CAE, VAE and GAN networks (Keras 3, any backend): builders for the models that train and the one that is saved.

Conventions: the encoders and the discriminator take images in 0..1 shaped [N, 28, 28, 1]; the decoders and the
generator return images in 0..1 (a sigmoid, or a tanh moved to 0..1). A conditional GAN's generator takes
[noise, class] and its discriminator [image, class], the class an int32 [N]. Each saved model.keras holds its parts as
named sub-models: `encoder` and `decoder` (CAE, VAE), `generator` and `discriminator` (GAN). Keras is imported
inside functions.
"""

from __future__ import annotations

from typing import Any

from core.config import RunConfig

IMAGE_SHAPE = (28, 28, 1)
ENCODER, DECODER, GENERATOR, DISCRIMINATOR = "encoder", "decoder", "generator", "discriminator"
GAN_BETA_1 = 0.5  # Adam's momentum for both GAN players (the DCGAN paper's value: 0.9 makes the duel oscillate)
LEAK = 0.2  # LeakyReLU slope of the discriminator and generator
CLASS_CODE = 16  # a conditional generator's learnt vector per class, joined to the noise


def _layers():
    import keras

    return keras.layers


def _model_config(config: RunConfig) -> Any:
    from core.models.build import resolve_model_config

    return resolve_model_config(config.model)


def _register_sampling() -> type:
    """The VAE's sampling layer (z = mean + exp(log_var / 2) * noise), registered so safe-mode loading finds it."""
    import keras

    @keras.saving.register_keras_serializable(package="clockwork")
    class Sampling(keras.layers.Layer):
        """Draws z ~ N(mean, exp(log_var)) with the reparameterisation trick, so gradients reach the encoder."""

        def __init__(self, seed: int = 0, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.seed = seed
            self.seed_generator = keras.random.SeedGenerator(seed)

        def call(self, inputs: Any) -> Any:
            mean, log_var = inputs
            noise = keras.random.normal(keras.ops.shape(mean), seed=self.seed_generator)
            return mean + keras.ops.exp(0.5 * log_var) * noise

        def compute_output_shape(self, input_shape: Any) -> Any:
            return input_shape[0]

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), "seed": self.seed}

    return Sampling


_SAMPLING: list[type] = []


def sampling_layer() -> type:
    """The registered Sampling class (defined once per process, on first use)."""
    if not _SAMPLING:
        _SAMPLING.append(_register_sampling())
    return _SAMPLING[0]


def _encoder_trunk(x: Any, filters: list[int], hidden: list[int], batch_norm: bool) -> Any:
    """Strided 3x3 convolutions (28 -> 14 -> 7 ...), then optional dense layers."""
    layers = _layers()
    for i, count in enumerate(filters):
        x = layers.Conv2D(count, 3, strides=2 if i < 2 else 1, padding="same", name=f"enc_conv{i + 1}")(x)
        if batch_norm:
            x = layers.BatchNormalization(name=f"enc_bn{i + 1}")(x)
        x = layers.Activation("relu", name=f"enc_relu{i + 1}")(x)
    x = layers.Flatten(name="enc_flatten")(x)
    for i, units in enumerate(hidden):
        x = layers.Dense(units, activation="relu", name=f"enc_dense{i + 1}")(x)
    return x


def _decoder(latent_dim: int, filters: list[int], hidden: list[int], batch_norm: bool, name: str) -> Any:
    """Latent vector -> image in 0..1: the encoder mirrored (dense, 7x7 maps, transposed convolutions 7 -> 14 -> 28)."""
    import keras

    layers = _layers()
    inputs = keras.Input((latent_dim,), name="latent")
    x = inputs
    for i, units in enumerate(reversed(hidden)):
        x = layers.Dense(units, activation="relu", name=f"dec_dense{i + 1}")(x)
    top = filters[-1]
    x = layers.Dense(7 * 7 * top, name="dec_project")(x)
    x = layers.Reshape((7, 7, top), name="dec_reshape")(x)
    if batch_norm:
        x = layers.BatchNormalization(name="dec_bn0")(x)
    x = layers.Activation("relu", name="dec_relu0")(x)
    ups = list(reversed(filters))[1:] + [filters[0]]
    for i, count in enumerate(ups[:2]):
        x = layers.Conv2DTranspose(count, 3, strides=2, padding="same", name=f"dec_up{i + 1}")(x)
        if batch_norm:
            x = layers.BatchNormalization(name=f"dec_bn{i + 1}")(x)
        x = layers.Activation("relu", name=f"dec_relu{i + 1}")(x)
    outputs = layers.Conv2D(1, 3, padding="same", activation="sigmoid", dtype="float32", name="pixels")(x)
    return keras.Model(inputs, outputs, name=name)


def build_autoencoder(config: RunConfig) -> Any:
    """CAE: image -> {"reconstruction"}; VAE: image -> {"reconstruction", "kl"} (z_mean and z_log_var side by side,
    so the KL term is an ordinary per-output loss on every backend)."""
    import keras

    layers = _layers()
    model = _model_config(config)
    latent, variational = model.latent_dim, model.kind == "vae"
    image = keras.Input(IMAGE_SHAPE, name="image")
    features = _encoder_trunk(image, model.conv_filters, model.hidden, model.batch_norm)
    if variational:
        mean = layers.Dense(latent, name="z_mean")(features)
        log_var = layers.Dense(latent, name="z_log_var")(features)
        encoder = keras.Model(image, [mean, log_var], name=ENCODER)
    else:
        encoder = keras.Model(image, layers.Dense(latent, name="code")(features), name=ENCODER)
    decoder = _decoder(latent, model.conv_filters, model.hidden, model.batch_norm, DECODER)
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    if variational:
        mean, log_var = encoder(inputs)
        z = sampling_layer()(seed=config.seed, name="sampling")([mean, log_var])
        outputs = {
            "reconstruction": layers.Identity(name="reconstruction")(decoder(z)),
            "kl": layers.Concatenate(name="kl")([mean, log_var]),
        }
    else:
        outputs = {"reconstruction": layers.Identity(name="reconstruction")(decoder(encoder(inputs)))}
    return keras.Model(inputs, outputs, name=model.kind)


def build_gan(config: RunConfig) -> tuple[Any, Any, Any]:
    """(generator, discriminator, the saved pair): DCGAN-style, with strided 4x4 (transposed) convolutions. The
    generator mirrors the discriminator's filters (64-128 -> a 7x7x128 start, then 64): at half width its samples
    stayed blobby strokes (classifier score 5.9 after 6,000 steps, against 5.7 after 3,000 at full width).

    Conditional: the generator joins a learnt vector of the class to the noise, and the discriminator adds the
    dot product of its features with a learnt vector of the class to its verdict (a projection discriminator), so
    a digit drawn as the wrong class is judged fake."""
    import keras

    from core.data.datasets import CLASS_NAMES

    layers = _layers()
    model = _model_config(config)
    filters, latent, classes = model.conv_filters, model.latent_dim, len(CLASS_NAMES[config.data.dataset])
    noise = keras.Input((latent,), name="noise")
    x = noise
    if model.conditional:
        label = keras.Input((), dtype="int32", name="label")
        code = layers.Embedding(classes, CLASS_CODE, name="gen_class")(label)
        x = layers.Concatenate(name="gen_noise_and_class")([noise, code])
    top = filters[-1]
    x = layers.Dense(7 * 7 * top, use_bias=not model.batch_norm, name="gen_project")(x)
    x = layers.Reshape((7, 7, top), name="gen_reshape")(x)
    if model.batch_norm:
        x = layers.BatchNormalization(momentum=0.8, name="gen_bn0")(x)
    x = layers.LeakyReLU(LEAK, name="gen_act0")(x)
    below = list(reversed(filters))[1:] or [top]
    x = layers.Conv2DTranspose(below[0], 4, strides=2, padding="same", use_bias=not model.batch_norm, name="gen_up1")(x)
    if model.batch_norm:
        x = layers.BatchNormalization(momentum=0.8, name="gen_bn1")(x)
    x = layers.LeakyReLU(LEAK, name="gen_act1")(x)
    x = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh", name="gen_up2")(x)
    image = layers.Rescaling(0.5, offset=0.5, dtype="float32", name="to_unit")(x)
    generator = keras.Model([noise, label] if model.conditional else noise, image, name=GENERATOR)

    real = keras.Input(IMAGE_SHAPE, name="image")
    x = layers.Rescaling(2.0, offset=-1.0, name="to_signed")(real)
    for i, count in enumerate(filters):
        x = layers.Conv2D(count, 4, strides=2 if i < 2 else 1, padding="same", name=f"disc_conv{i + 1}")(x)
        x = layers.LeakyReLU(LEAK, name=f"disc_act{i + 1}")(x)
        x = layers.Dropout(0.3, name=f"disc_drop{i + 1}")(x)
    x = layers.Flatten(name="disc_flatten")(x)
    if not model.conditional:
        verdict = layers.Dense(1, activation="sigmoid", dtype="float32", name="real")(x)
        discriminator = keras.Model(real, verdict, name=DISCRIMINATOR)
        pair_noise = keras.Input((latent,), name="noise")
        return generator, discriminator, keras.Model(pair_noise, discriminator(generator(pair_noise)), name="gan")
    real_label = keras.Input((), dtype="int32", name="label")
    fits_class = layers.Dot(axes=1, name="disc_fits_class")(
        [x, layers.Embedding(classes, x.shape[-1], name="disc_class")(real_label)]
    )
    logit = layers.Add(name="disc_logit")([layers.Dense(1, name="disc_looks_real")(x), fits_class])
    verdict = layers.Activation("sigmoid", dtype="float32", name="real")(logit)
    discriminator = keras.Model([real, real_label], verdict, name=DISCRIMINATOR)
    pair_noise = keras.Input((latent,), name="noise")
    pair_label = keras.Input((), dtype="int32", name="label")
    fake = generator([pair_noise, pair_label])
    return (
        generator,
        discriminator,
        keras.Model([pair_noise, pair_label], discriminator([fake, pair_label]), name="gan"),
    )


def reconstruction_loss(y_true: Any, y_pred: Any) -> Any:
    """Binary cross-entropy summed over an image's 784 pixels (per image): the VAE's log-likelihood term."""
    import keras

    return keras.ops.sum(keras.losses.binary_crossentropy(y_true, y_pred), axis=(1, 2))


def kl_loss(y_true: Any, y_pred: Any) -> Any:
    """KL(N(mean, var) || N(0, 1)) per image; y_pred holds [mean, log_var] side by side, y_true is ignored."""
    import keras

    mean, log_var = keras.ops.split(y_pred, 2, axis=-1)
    return -0.5 * keras.ops.sum(1.0 + log_var - keras.ops.square(mean) - keras.ops.exp(log_var), axis=-1)


def compile_autoencoder(model: Any, config: RunConfig, steps_per_epoch: int) -> None:
    """CAE: mean squared error per pixel; VAE: the ELBO (summed BCE reconstruction + KL)."""
    from core.models.build import build_optimizer

    optimizer = build_optimizer(config.optimizer, steps_per_epoch, config.epochs)
    if config.model.kind == "vae":
        model.compile(optimizer=optimizer, loss={"reconstruction": reconstruction_loss, "kl": kl_loss})
    else:
        model.compile(optimizer=optimizer, loss={"reconstruction": "mse"})


def gan_optimizer(config: RunConfig, steps_per_epoch: int) -> Any:
    """One GAN player's optimizer: the config's, with its schedule; Adam with the DCGAN momentum."""
    from core.models.build import build_optimizer

    optimizer = build_optimizer(config.optimizer, steps_per_epoch, config.epochs)
    if config.optimizer.name == "adam":
        optimizer.beta_1 = GAN_BETA_1
    return optimizer
