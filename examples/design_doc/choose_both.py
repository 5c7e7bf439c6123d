"""Design doc, "choose both operators and connections": one of three ops on two of three candidate inputs."""

import numpy as np
from ops import avg_pool, conv, dump_trace, max_pool


def build(image):
    out1 = conv([[image], []], ch=16)
    out2 = max_pool([[out1], []])
    out3 = conv([[out2], []], ch=32)
    """@nni.mutable_layers(
    {
        layer_choice: [conv(ch=128), max_pool(), avg_pool()],
        optional_inputs: [out1, out2, out3],
        optional_input_size: 2,
        layer_output: layer_4_out
    }
    )"""
    return layer_4_out


result = build(np.linspace(-1.0, 1.0, 16).reshape(2, 8))
"""@nni.report_final_result(float(np.mean(result)))"""
dump_trace()

# names used only inside annotations are invisible to linters
# ruff: noqa: F401, F821, F841
