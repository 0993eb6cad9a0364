"""Generative models: a convolutional autoencoder, a variational autoencoder and a DCGAN-style GAN."""
