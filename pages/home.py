"""Home: what the lab is, where to go, and the pretrained results at a glance."""

import streamlit as st

from ui.navigation import run_inside_app_navigation
from ui.run_cache import pretrained_table

run_inside_app_navigation()

st.title("Clockwork")
st.markdown(
    "A lab for **multilayer perceptrons and convolutional networks** in Keras. Every page opens with "
    "trained models and their results; the **Train** panel in each page's sidebar queues your own runs, "
    "which appear beside them while they train."
)

# icon, page title, what it is about, script: one card each, side by side
CARDS = (
    (
        ":material/neurology:",
        "MLPs and CNNs",
        "MNIST, Fashion-MNIST and CIFAR-10 (colour photos) with the reference MLP and CNN. "
        "Try initializers, activations, "
        "optimizers, learning rates, regularisation, batch norm and layers; compare runs in a table.",
        "pages/mlp-cnn.py",
    ),
    (
        ":material/shuffle:",
        "Permuted pixels",
        "Shuffle all 784 pixels with one fixed permutation. The MLP barely notices; the CNN loses "
        "what made it better: neighbouring pixels.",
        "pages/permuted.py",
    ),
    (
        ":material/schedule:",
        "Tell the time",
        "Read analog clocks seen from any angle. Compare regression, n-class, multi-head and "
        "periodic sin/cos labels by the common-sense error in minutes.",
        "pages/clocks.py",
    ),
    (
        ":material/auto_awesome:",
        "Generative models",
        "An autoencoder, a variational autoencoder and a GAN make new digits and clothes. Compare their "
        "samples and scores, walk the latent space, watch the GAN's duel.",
        "pages/generative.py",
    ),
)
for column, (icon, title, text, script) in zip(st.columns(len(CARDS)), CARDS):
    with column:
        st.subheader(f"{icon} {title}")
        st.write(text)
        st.page_link(script, label=f"Open {title}", icon=":material/arrow_forward:")

st.divider()
st.subheader("Pretrained results")
table = pretrained_table()
if table.empty:
    st.info("No pretrained models are installed. Rebuild them with `python -m core pretrain`.")
else:
    st.dataframe(table, width="stretch", hide_index=True)
st.page_link("pages/runs.py", label="All runs, yours and pretrained", icon=":material/history:")
