"""Acceptance cases AC-1…AC-9 of nni-compat.md §16: trial files and NNI 1.1's search space for them."""
# ruff: noqa: E501

from __future__ import annotations

from typing import Any

CASES: dict[str, tuple[dict[str, str], dict[str, Any]]] = {
    'AC-1': (
        {
            'trial.py': (
                'import nni\n'
                '\n'
                'def conv(inputs, ch=64):\n'
                "    return ('conv', ch, inputs)\n"
                '\n'
                'def pool(inputs):\n'
                "    return ('pool', inputs)\n"
                '\n'
                'def build(image):\n'
                '    """@nni.mutable_layers(\n'
                '    {\n'
                '        layer_choice: [conv(ch=128), conv(ch=256), pool()],\n'
                '        fixed_inputs: [image],\n'
                '        layer_output: out\n'
                '    }\n'
                '    )"""\n'
                '    return out\n'
            ),
        },
        {'trial/mutable_block_16': {'_type': 'mutable_layer', '_value': {'mutable_layer_0': {'layer_choice': ['conv(ch=128)', 'conv(ch=256)', 'pool()'], 'optional_inputs': [], 'optional_input_size': 0}}}},
    ),
    'AC-2': (
        {
            'trial.py': (
                'def concat(inputs):\n'
                '    return inputs[0] + inputs[1]\n'
                '\n'
                'def build(out0, out1, out2, out3):\n'
                '    """@nni.mutable_layers(\n'
                '    {\n'
                '        layer_choice: [concat()],\n'
                '        fixed_inputs: [out3],\n'
                '        optional_inputs: [out0, out1, out2],\n'
                '        optional_input_size: 2,\n'
                '        layer_output: cat_out\n'
                '    }\n'
                '    )"""\n'
                '    return cat_out\n'
            ),
        },
        {'trial/mutable_block_13': {'_type': 'mutable_layer', '_value': {'mutable_layer_0': {'layer_choice': ['concat()'], 'optional_inputs': ['out0', 'out1', 'out2'], 'optional_input_size': 2}}}},
    ),
    'AC-3': (
        {
            'trial.py': (
                'def add(inputs, scale=1):\n'
                '    return sum(inputs[0] + inputs[1]) * scale\n'
                '\n'
                'def build(a, b, c, d):\n'
                '    """@nni.mutable_layers(\n'
                '    {\n'
                '        layer_choice: [add(scale=1), add(scale=2)],\n'
                '        optional_inputs: [a, b, c, d],\n'
                '        optional_input_size: [1, 3],\n'
                '        layer_output: y\n'
                '    }\n'
                '    )"""\n'
                '    return y\n'
            ),
        },
        {'trial/mutable_block_12': {'_type': 'mutable_layer', '_value': {'mutable_layer_0': {'layer_choice': ['add(scale=1)', 'add(scale=2)'], 'optional_inputs': ['a', 'b', 'c', 'd'], 'optional_input_size': [1, 3]}}}},
    ),
    'AC-4': (
        {
            'trial.py': (
                'def conv3(inputs):\n'
                '    return inputs\n'
                '\n'
                'def conv5(inputs):\n'
                '    return inputs\n'
                '\n'
                'def max_pool(inputs):\n'
                '    return inputs\n'
                '\n'
                'def build(x):\n'
                '    """@nni.mutable_layers(\n'
                '    {\n'
                '        layer_choice: [conv3(), conv5(), max_pool()],\n'
                '        fixed_inputs: [x],\n'
                '        layer_output: l0\n'
                '    },\n'
                '    {\n'
                '        layer_choice: [conv3(), conv5(), max_pool()],\n'
                '        fixed_inputs: [l0],\n'
                '        optional_inputs: [x, l0],\n'
                '        optional_input_size: [0, 1],\n'
                '        layer_output: l1\n'
                '    }\n'
                '    )"""\n'
                '    return l1\n'
            ),
        },
        {'trial/mutable_block_24': {'_type': 'mutable_layer', '_value': {'mutable_layer_0': {'layer_choice': ['conv3()', 'conv5()', 'max_pool()'], 'optional_inputs': [], 'optional_input_size': 0}, 'mutable_layer_1': {'layer_choice': ['conv3()', 'conv5()', 'max_pool()'], 'optional_inputs': ['x', 'l0'], 'optional_input_size': [0, 1]}}}},
    ),
    'AC-5': (
        {
            'main.py': (
                'def relu(inputs):\n'
                '    return inputs\n'
                '\n'
                'def tanh(inputs):\n'
                '    return inputs\n'
                '\n'
                'def stem(x):\n'
                '    """@nni.mutable_layers({layer_choice: [relu(), tanh()], fixed_inputs: [x], layer_output: h})"""\n'
                '    """@nni.mutable_layers({layer_choice: [relu(), tanh()], fixed_inputs: [h], layer_output: h2})"""\n'
                '    return h2\n'
            ),
            'pkg/sub/cell.py': (
                'def identity(inputs):\n'
                '    return inputs\n'
                '\n'
                'def zero(inputs):\n'
                '    return 0\n'
                '\n'
                'def cell(p, q):\n'
                '    """@nni.mutable_layers(\n'
                '    {\n'
                '        layer_choice: [identity(), zero()],\n'
                '        optional_inputs: [p, q],\n'
                '        optional_input_size: 1,\n'
                '        layer_output: c\n'
                '    }\n'
                '    )"""\n'
                '    return c\n'
            ),
        },
        {'main/mutable_block_8': {'_type': 'mutable_layer', '_value': {'mutable_layer_0': {'layer_choice': ['relu()', 'tanh()'], 'optional_inputs': [], 'optional_input_size': 0}}}, 'main/mutable_block_9': {'_type': 'mutable_layer', '_value': {'mutable_layer_0': {'layer_choice': ['relu()', 'tanh()'], 'optional_inputs': [], 'optional_input_size': 0}}}, 'pkg.sub.cell/mutable_block_15': {'_type': 'mutable_layer', '_value': {'mutable_layer_0': {'layer_choice': ['identity()', 'zero()'], 'optional_inputs': ['p', 'q'], 'optional_input_size': 1}}}},
    ),
    'AC-6': (
        {
            'trial.py': (
                'def op(inputs, act="relu", k=3, rate=1e-3, shift=-1, sizes=(1, 2), dims=[3, 5], ch=None):\n'
                '    return inputs\n'
                '\n'
                'def build(x, self_ch):\n'
                '    """@nni.mutable_layers(\n'
                '    {\n'
                '        layer_choice: [op(act="relu"), op(act=\'tanh\', k=5), op(rate=1e-3), op(shift=-1),\n'
                '                       op(sizes=(1, 2)), op(dims=[3,5]), op(ch=self_ch*2), op(ch = None), op()],\n'
                '        fixed_inputs: [x],\n'
                '        layer_output: y\n'
                '    }\n'
                '    )"""\n'
                '    return y\n'
            ),
        },
        {'trial/mutable_block_12': {'_type': 'mutable_layer', '_value': {'mutable_layer_0': {'layer_choice': ["op(act='relu')", "op(act='tanh', k=5)", 'op(rate=0.001)', 'op(shift=-1)', 'op(sizes=(1, 2))', 'op(dims=[3, 5])', 'op(ch=self_ch * 2)', 'op(ch=None)', 'op()'], 'optional_inputs': [], 'optional_input_size': 0}}}},
    ),
    'AC-7': (
        {
            'trial.py': (
                'class Net:\n'
                '    def build(self, x):\n'
                '        self.stem = x\n'
                '        outs = [x, x]\n'
                '        """@nni.mutable_layers(\n'
                '        {\n'
                '            layer_choice: [self.block(width=2), self.block(width=4)],\n'
                '            fixed_inputs: [self.stem],\n'
                '            optional_inputs: [self.stem, outs[0], outs[1]],\n'
                '            optional_input_size: 1,\n'
                '            layer_output: y\n'
                '        }\n'
                '        )"""\n'
                '        return y\n'
                '\n'
                '    def block(self, inputs, width=1):\n'
                '        return inputs\n'
            ),
        },
        {'trial/mutable_block_13': {'_type': 'mutable_layer', '_value': {'mutable_layer_0': {'layer_choice': ['self.block(width=2)', 'self.block(width=4)'], 'optional_inputs': ['self.stem', 'outs[0]', 'outs[1]'], 'optional_input_size': 1}}}},
    ),
    'AC-8': (
        {
            'trial.py': (
                'def f(inputs):\n'
                '    return inputs\n'
                '\n'
                'def build(x, a, b):\n'
                '    """@nni.mutable_layers(\n'
                '    {\n'
                '        layer_choice: [f()],\n'
                '        fixed_inputs: [x],\n'
                '        optional_input_size: 1,\n'
                '        layer_output: y1\n'
                '    },\n'
                '    {\n'
                '        layer_choice: [f()],\n'
                '        optional_inputs: [a, b],\n'
                '        optional_input_size: [0, 2, 5],\n'
                '        layer_output: y2\n'
                '    }\n'
                '    )"""\n'
                '    return y1, y2\n'
            ),
        },
        {'trial/mutable_block_18': {'_type': 'mutable_layer', '_value': {'mutable_layer_0': {'layer_choice': ['f()'], 'optional_inputs': [], 'optional_input_size': 0}, 'mutable_layer_1': {'layer_choice': ['f()'], 'optional_inputs': ['a', 'b'], 'optional_input_size': [0, 2]}}}},
    ),
    'AC-9': (
        {
            'trial.py': (
                'def conv(inputs, k=3):\n'
                '    return inputs\n'
                '\n'
                'def main(x):\n'
                '    """@nni.variable(nni.choice(0.1, 0.01), name=lr)"""\n'
                '    lr = 0.1\n'
                '    """@nni.mutable_layers(\n'
                '    {\n'
                '        layer_choice: [conv(k=3), conv(k=5)],\n'
                '        fixed_inputs: [x],\n'
                '        layer_output: y\n'
                '    }\n'
                '    )"""\n'
                '    """@nni.report_final_result(lr)"""\n'
            ),
        },
        {'trial/lr/choice': {'_type': 'choice', '_value': [0.1, 0.01]}, 'trial/mutable_block_13': {'_type': 'mutable_layer', '_value': {'mutable_layer_0': {'layer_choice': ['conv(k=3)', 'conv(k=5)'], 'optional_inputs': [], 'optional_input_size': 0}}}},
    ),
}
