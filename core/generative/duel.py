"""The GAN's training step, one compiled function per Keras backend: the discriminator learns from a real and a
generated batch, then the generator learns from the updated discriminator's verdict on fresh noise.

Keras has no backend-neutral way to take gradients of two losses for two sets of weights in one step, so the same
duel is written three times: with TensorFlow's GradientTape, JAX's stateless calls and torch's autograd. One
compiled step replaces three `train_on_batch` calls and a predict (bench/RESULTS.md, "GAN training step").

Each player's inputs come as a list: [images] and [noise], or for a conditional GAN [images, classes] and
[noise, classes]; the discriminator judges a generated image together with the class it was drawn for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Inputs = list[np.ndarray]
Step = Callable[[Inputs, Inputs, Inputs], dict[str, float]]


def _one(inputs: Any) -> Any:
    """A model's call argument: the lone array of a one-input model, the list otherwise."""
    return inputs[0] if len(inputs) == 1 else list(inputs)


def _judged(fake: Any, noise: Any) -> Any:
    """What the discriminator sees of a generated batch: the images, with the classes they were drawn for."""
    return _one([fake, *noise[1:]])


def _bce(target: float, verdicts: Any) -> Any:
    """Mean binary cross-entropy of sigmoid verdicts against one label (1 = real, 0 = generated)."""
    import keras

    return keras.ops.mean(keras.losses.binary_crossentropy(keras.ops.full_like(verdicts, target), verdicts))


def _logs(d_loss: Any, g_loss: Any, d_real: Any, d_fake: Any) -> dict[str, float]:
    import keras

    values = [float(keras.ops.convert_to_numpy(value)) for value in (d_loss, g_loss, d_real, d_fake)]
    return dict(zip(("d_loss", "g_loss", "d_real", "d_fake"), values))


def _tensorflow_step(generator: Any, discriminator: Any, g_opt: Any, d_opt: Any) -> Step:
    import keras
    import tensorflow as tf

    @tf.function
    def step(real: Any, noise: Any, fresh: Any) -> tuple[Any, ...]:
        with tf.GradientTape() as tape:
            real_verdicts = discriminator(_one(real), training=True)
            fake_verdicts = discriminator(_judged(generator(_one(noise), training=True), noise), training=True)
            d_loss = 0.5 * (_bce(1.0, real_verdicts) + _bce(0.0, fake_verdicts))
        d_opt.apply(tape.gradient(d_loss, discriminator.trainable_variables), discriminator.trainable_variables)
        with tf.GradientTape() as tape:
            g_loss = _bce(1.0, discriminator(_judged(generator(_one(fresh), training=True), fresh), training=True))
        g_opt.apply(tape.gradient(g_loss, generator.trainable_variables), generator.trainable_variables)
        return d_loss, g_loss, keras.ops.mean(real_verdicts), keras.ops.mean(fake_verdicts)

    return lambda real, noise, fresh: _logs(*step(list(real), list(noise), list(fresh)))


def _jax_step(generator: Any, discriminator: Any, g_opt: Any, d_opt: Any) -> Step:
    import jax
    import keras

    def d_loss_fn(d_train, d_state, g_train, g_state, real, noise):
        fake, g_state = generator.stateless_call(g_train, g_state, _one(noise), training=True)
        real_verdicts, d_state = discriminator.stateless_call(d_train, d_state, _one(real), training=True)
        fake_verdicts, d_state = discriminator.stateless_call(d_train, d_state, _judged(fake, noise), training=True)
        d_loss = 0.5 * (_bce(1.0, real_verdicts) + _bce(0.0, fake_verdicts))
        return d_loss, (d_state, g_state, keras.ops.mean(real_verdicts), keras.ops.mean(fake_verdicts))

    def g_loss_fn(g_train, g_state, d_train, d_state, fresh):
        fake, g_state = generator.stateless_call(g_train, g_state, _one(fresh), training=True)
        verdicts, d_state = discriminator.stateless_call(d_train, d_state, _judged(fake, fresh), training=True)
        return _bce(1.0, verdicts), (g_state, d_state)

    @jax.jit
    def step(state, real, noise, fresh):
        d_train, d_state, g_train, g_state, d_slots, g_slots = state
        (d_loss, (d_state, g_state, d_real, d_fake)), grads = jax.value_and_grad(d_loss_fn, has_aux=True)(
            d_train, d_state, g_train, g_state, real, noise
        )
        d_train, d_slots = d_opt.stateless_apply(d_slots, grads, d_train)
        (g_loss, (g_state, d_state)), grads = jax.value_and_grad(g_loss_fn, has_aux=True)(
            g_train, g_state, d_train, d_state, fresh
        )
        g_train, g_slots = g_opt.stateless_apply(g_slots, grads, g_train)
        return (d_train, d_state, g_train, g_state, d_slots, g_slots), (d_loss, g_loss, d_real, d_fake)

    groups = (
        discriminator.trainable_variables,
        discriminator.non_trainable_variables,
        generator.trainable_variables,
        generator.non_trainable_variables,
        d_opt.variables,
        g_opt.variables,
    )

    def run(real: Inputs, noise: Inputs, fresh: Inputs) -> dict[str, float]:
        state = tuple([variable.value for variable in group] for group in groups)
        state, losses = step(state, list(real), list(noise), list(fresh))
        for group, values in zip(groups, state):  # the Keras variables stay the truth (snapshots, saving)
            for variable, value in zip(group, values):
                variable.assign(value)
        return _logs(*losses)

    return run


def _torch_step(generator: Any, discriminator: Any, g_opt: Any, d_opt: Any) -> Step:
    import keras
    import torch

    def learn(model: Any, optimizer: Any, loss: Any) -> None:
        model.zero_grad()
        loss.backward()
        weights = model.trainable_weights
        with torch.no_grad():
            optimizer.apply([weight.value.grad for weight in weights], weights)

    def tensors(inputs: Inputs) -> list:
        return [keras.ops.convert_to_tensor(array) for array in inputs]

    def run(real: Inputs, noise: Inputs, fresh: Inputs) -> dict[str, float]:
        real_t, noise_t, fresh_t = tensors(real), tensors(noise), tensors(fresh)
        real_verdicts = discriminator(_one(real_t), training=True)
        fake = generator(_one(noise_t), training=True).detach()
        fake_verdicts = discriminator(_judged(fake, noise_t), training=True)
        d_loss = 0.5 * (_bce(1.0, real_verdicts) + _bce(0.0, fake_verdicts))
        learn(discriminator, d_opt, d_loss)
        g_loss = _bce(1.0, discriminator(_judged(generator(_one(fresh_t), training=True), fresh_t), training=True))
        learn(generator, g_opt, g_loss)
        return _logs(d_loss.detach(), g_loss.detach(), real_verdicts.detach().mean(), fake_verdicts.detach().mean())

    return run


STEPS = {"tensorflow": _tensorflow_step, "jax": _jax_step, "torch": _torch_step}


def duel_step(generator: Any, discriminator: Any, g_opt: Any, d_opt: Any) -> Step:
    """A function (real inputs, noise inputs, fresh noise inputs) -> {d_loss, g_loss, d_real, d_fake} that trains
    both players once on the current Keras backend; real images are [B, 28, 28, 1] in 0..1."""
    import keras

    backend = keras.backend.backend()
    if backend not in STEPS:
        raise ValueError(f"a GAN trains on {', '.join(STEPS)}, not on the '{backend}' backend")
    d_opt.build(discriminator.trainable_variables)
    g_opt.build(generator.trainable_variables)
    return STEPS[backend](generator, discriminator, g_opt, d_opt)
