"""ENAS macro search space (design doc's last example) with numpy stand-in ops.

Each layer picks one of six ops on the previous layer's output (fixed input) and any number of skip
connections from earlier layers (optional inputs), as in Pham et al. 2018's macro space.
"""

import numpy as np
from ops import avg_pool, conv, dump_trace, max_pool, sep_conv


class MacroNet:
    def __init__(self, layers=4):
        self.layers = layers

    def build(self, images):
        x = conv([[images], []], ch=16)
        """@nni.mutable_layers(
        {
            layer_choice: [conv(size=3), conv(size=5), sep_conv(size=3), sep_conv(size=5), avg_pool(), max_pool()],
            fixed_inputs: [x],
            layer_output: layer_0_out
        },
        {
            layer_choice: [conv(size=3), conv(size=5), sep_conv(size=3), sep_conv(size=5), avg_pool(), max_pool()],
            fixed_inputs: [layer_0_out],
            optional_inputs: [x],
            optional_input_size: [0, 1],
            layer_output: layer_1_out
        },
        {
            layer_choice: [conv(size=3), conv(size=5), sep_conv(size=3), sep_conv(size=5), avg_pool(), max_pool()],
            fixed_inputs: [layer_1_out],
            optional_inputs: [x, layer_0_out],
            optional_input_size: [0, 2],
            layer_output: layer_2_out
        },
        {
            layer_choice: [conv(size=3), conv(size=5), sep_conv(size=3), sep_conv(size=5), avg_pool(), max_pool()],
            fixed_inputs: [layer_2_out],
            optional_inputs: [x, layer_0_out, layer_1_out],
            optional_input_size: [0, 3],
            layer_output: layer_3_out
        }
        )"""
        return layer_3_out


"""@nni.get_next_parameter()"""
net = MacroNet()
logits = net.build(np.linspace(-1.0, 1.0, 16).reshape(2, 8))
for epoch in range(2):
    """@nni.training_update(tf=None, session=None)"""
    """@nni.report_intermediate_result(float(np.mean(logits)) * (epoch + 1))"""
"""@nni.report_final_result(float(np.mean(logits)))"""
dump_trace()

# names used only inside annotations are invisible to linters
# ruff: noqa: F401, F821, F841, B007, E501
