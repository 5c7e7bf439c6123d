"""Design doc, "choose an operator for a layer": the fourth layer is one of three ops on out3."""

import numpy as np
from ops import avg_pool, conv, dump_trace, identity, max_pool

"""@nni.get_next_parameter()"""
image = np.linspace(-1.0, 1.0, 16).reshape(2, 8)
out1 = conv([[image], []], ch=16)
out2 = conv([[out1], []], ch=32)
out3 = max_pool([[out2], []])
"""@nni.mutable_layers(
{
    layer_choice: [conv(ch=128), max_pool(), avg_pool()],
    fixed_inputs: [out3],
    layer_output: layer_4_out
}
)"""
# the same choice written the other way: the input comes through optional_inputs
"""@nni.mutable_layers(
{
    layer_choice: [conv(ch=128), max_pool(), identity()],
    optional_inputs: [out3],
    optional_input_size: 1,
    layer_output: layer_4_out_b
}
)"""
"""@nni.report_final_result(float(np.mean(layer_4_out + layer_4_out_b)))"""
dump_trace()

# names used only inside annotations are invisible to linters
# ruff: noqa: F401
