"""Design doc, "choose input connections for a layer": concat takes out3 plus two of out0, out1, out2."""

import numpy as np
from ops import concat, conv, dump_trace

image = np.linspace(-1.0, 1.0, 16).reshape(2, 8)
out0 = conv([[image], []], ch=16)
out1 = conv([[out0], []], ch=16)
out2 = conv([[out1], []], ch=16)
out3 = conv([[out2], []], ch=16)
"""@nni.mutable_layers(
{
    layer_choice: [concat()],
    fixed_inputs: [out3],
    optional_inputs: [out0, out1, out2],
    optional_input_size: 2,
    layer_output: concat_out
}
)"""
"""@nni.report_final_result(float(np.mean(concat_out)))"""
dump_trace()

# names used only inside annotations are invisible to linters
# ruff: noqa: F401
