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

left, middle, right = st.columns(3)
with left:
    st.subheader(":material/neurology: MLPs and CNNs")
    st.write(
        "MNIST and Fashion-MNIST with the reference MLP and CNN. Try initializers, activations, "
        "optimizers, learning rates, regularisation, batch norm and layers; compare runs in a table."
    )
    st.page_link("pages/mlp-cnn.py", label="Open MLPs and CNNs", icon=":material/arrow_forward:")
with middle:
    st.subheader(":material/shuffle: Permuted pixels")
    st.write(
        "Shuffle all 784 pixels with one fixed permutation. The MLP barely notices; the CNN loses "
        "what made it better: neighbouring pixels."
    )
    st.page_link("pages/permuted.py", label="Open Permuted pixels", icon=":material/arrow_forward:")
with right:
    st.subheader(":material/schedule: Tell the time")
    st.write(
        "Read analog clocks seen from any angle. Compare regression, n-class, multi-head and "
        "periodic sin/cos labels by the common-sense error in minutes."
    )
    st.page_link("pages/clocks.py", label="Open Tell the time", icon=":material/arrow_forward:")

st.divider()
st.subheader("Pretrained results")
table = pretrained_table()
if table.empty:
    st.info("No pretrained models are installed. Rebuild them with `python -m core pretrain`.")
else:
    st.dataframe(table, width="stretch", hide_index=True)
st.page_link("pages/runs.py", label="All runs, yours and pretrained", icon=":material/history:")
