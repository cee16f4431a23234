"""Neural EM surrogates (geometry -> S-parameters), trained on :mod:`circuitforge.rf` data.

- :mod:`.model`: the MLP and its targets (dB magnitude + phasor of S11 and S21);
- :mod:`.train`: resumable training, atomic checkpoints, the shipped weights (``weights/em_*.pt``);
- :mod:`.surrogate`: :class:`EMSurrogate`, a solver over the trained net;
- :mod:`.evaluate`: held-out metrics beside trivial baselines;
- :mod:`.multifidelity`: fine-tuning on a few openEMS runs.
"""

from .errors import SurrogateError
from .surrogate import EMSurrogate, Prediction
from .train import TrainConfig, load_surrogate, save_surrogate, train_surrogate, weights_path

__all__ = ["SurrogateError", "EMSurrogate", "Prediction", "TrainConfig", "load_surrogate", "save_surrogate",
           "train_surrogate", "weights_path"]
