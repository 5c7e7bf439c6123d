"""The slim API inside trial processes: compiled trials do ``import trial_runtime as nni``.

| function | behaviour |
|---|---|
| ``mutable_layer(mutable_id, mutable_layer_id, funcs, funcs_args, fixed_inputs, optional_inputs,
  optional_input_size, mode='classic_mode', tf=None)`` | runs one layer; classic_mode calls only the chosen
  op as ``funcs[c]([fixed_inputs, chosen_inputs], **funcs_args[c])`` |
| ``training_update(nas_mode, tf=None, session=None, loss=None, feed_dict=None)`` | enas: next architecture;
  darts: one architecture step; classic/oneshot: nothing |
| ``get_next_parameter()``, ``get_current_parameter(tag=None)`` | fetch / read the parameters |
| ``report_intermediate_result(m)``, ``report_final_result(m)`` | ``m``: a number, or a dict with a numeric
  ``default`` |
| ``get_trial_id()``, ``get_experiment_id()``, ``get_sequence_id()`` | ids |
| ``choice(options, name=None, key=None)``, ``function_choice(funcs, ...)``, ``uniform(..., key=...)``, … |
  the compiled forms of ``@nni.variable`` / ``@nni.function_choice`` |

Where parameters come from is decided by ``trial_runtime._platform`` (experiment channel,
``NASTUNE_PARAMETERS`` file, or a clear error). Importing this package does no work and never imports
TensorFlow; the enas, oneshot and darts modes live in ``trial_runtime.tensorflow``, imported only when
used.
"""

from __future__ import annotations

from nastuners.exceptions import NoMoreTrialError
from trial_runtime._api import (
    choice,
    function_choice,
    get_current_parameter,
    get_experiment_id,
    get_next_parameter,
    get_sequence_id,
    get_trial_id,
    lognormal,
    loguniform,
    mutable_layer,
    normal,
    qlognormal,
    qloguniform,
    qnormal,
    quniform,
    randint,
    report_final_result,
    report_intermediate_result,
    training_update,
    uniform,
)
from trial_runtime._platform import NoParametersError

__all__ = [
    "NoMoreTrialError",
    "NoParametersError",
    "choice",
    "function_choice",
    "get_current_parameter",
    "get_experiment_id",
    "get_next_parameter",
    "get_sequence_id",
    "get_trial_id",
    "lognormal",
    "loguniform",
    "mutable_layer",
    "normal",
    "qlognormal",
    "qloguniform",
    "qnormal",
    "quniform",
    "randint",
    "report_final_result",
    "report_intermediate_result",
    "training_update",
    "uniform",
]
