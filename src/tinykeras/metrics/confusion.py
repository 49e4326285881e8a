"""Metrics from confusion counts: ``TruePositives``... ``Precision``, ``Recall``, ``AUC``,
``F1Score``/``FBetaScore``, with Keras 3's thresholds, ``top_k``, ``class_id`` and weights.

A prediction counts as positive when it is *strictly greater* than the threshold, and a label
when it is nonzero (Keras's ``update_confusion_matrix_variables``).
"""

import numpy as np

from tinykeras.backend import epsilon
from tinykeras.errors import InvalidArgumentError
from tinykeras.losses import squeeze_or_expand_to_same_rank
from tinykeras.metrics import Metric, _np

_NEG_INF = -1e10  # what Keras gives the predictions outside the top k


def _divide_no_nan(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


def confusion_counts(y_true, y_pred, thresholds, top_k=None, class_id=None,
                     sample_weight=None, multi_label=False, label_weights=None, dtype="float32"):
    """Return ``{"tp", "fp", "tn", "fn"}``: weighted counts per threshold (and per label when
    ``multi_label``), as arrays of shape ``(len(thresholds),)`` or ``(thresholds, labels)``."""
    y_true = _np(y_true, "y_true").astype(dtype)
    y_pred = _np(y_pred, "y_pred").astype(dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if y_true.shape != y_pred.shape:
        raise InvalidArgumentError(
            f"Metric inputs `y_true` of shape {y_true.shape} and `y_pred` of shape "
            f"{y_pred.shape} do not match: give one label per prediction."
        )
    weights = None
    if sample_weight is not None:
        sw = _np(sample_weight, "sample_weight").astype(dtype)
        sw = sw.reshape(sw.shape + (1,) * (y_pred.ndim - sw.ndim))
        weights = np.broadcast_to(sw, y_pred.shape)
    if top_k is not None:
        # Keep the k largest predictions of each row; the rest can never be positive.
        kth = -np.sort(-y_pred, axis=-1)[..., top_k - 1:top_k]
        y_pred = np.where(y_pred >= kth, y_pred, dtype_value(_NEG_INF, dtype))
    if class_id is not None:
        if y_pred.ndim == 1:
            raise InvalidArgumentError(
                "When class_id is provided, y_pred must be a 2D array with shape "
                f"(num_samples, num_classes), found shape: {y_pred.shape}"
            )
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
        weights = None if weights is None else weights[..., class_id, None]
    thresholds = np.asarray(thresholds, dtype=dtype)
    if multi_label:
        labels = y_true.reshape(len(y_true), -1) != 0
        preds = y_pred.reshape(len(y_pred), -1)
        w = None if weights is None else weights.reshape(len(y_pred), -1)
        pos = preds[None] > thresholds[:, None, None]  # (thresholds, samples, labels)
        axis = 1
    else:
        labels = y_true.reshape(-1) != 0
        preds = y_pred.reshape(-1)
        w = None if weights is None else weights.reshape(-1)
        if label_weights is not None:
            lw = np.broadcast_to(np.asarray(label_weights, dtype), y_pred.shape).reshape(-1)
            w = lw if w is None else w * lw
        pos = preds[None] > thresholds[:, None]  # (thresholds, samples)
        axis = 1
    w = np.ones(labels.shape, dtype) if w is None else w
    return {
        "tp": np.sum(w * (pos & labels), axis=axis, dtype=np.float64),
        "fp": np.sum(w * (pos & ~labels), axis=axis, dtype=np.float64),
        "tn": np.sum(w * (~pos & ~labels), axis=axis, dtype=np.float64),
        "fn": np.sum(w * (~pos & labels), axis=axis, dtype=np.float64),
    }


def dtype_value(value, dtype):
    """``value`` as a NumPy scalar of ``dtype``."""
    return np.asarray(value, dtype=dtype)


def _thresholds(thresholds, who):
    if thresholds is None:
        return [0.5], True
    single = np.ndim(thresholds) == 0
    values = [float(thresholds)] if single else [float(t) for t in thresholds]
    if any(not 0 <= t <= 1 for t in values):
        raise InvalidArgumentError(
            f"{who}: threshold values must be in [0, 1]. Received: thresholds={thresholds!r}"
        )
    return values, single


class _ConfusionMetric(Metric):
    """Shared state: counts per threshold, accumulated over the batches."""

    _keys = ("tp", "fp", "tn", "fn")
    _direction = "up"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds, self._single = _thresholds(thresholds, type(self).__name__)
        self.top_k = top_k
        self.class_id = class_id
        self.reset_state()

    def reset_state(self):
        """Zero the counts."""
        self.counts = {k: np.zeros(len(self.thresholds)) for k in self._keys}

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's weighted counts."""
        thresholds = self.thresholds
        if self.top_k is not None and self.init_thresholds is None:
            thresholds = [_NEG_INF]  # with top_k and no threshold, Keras counts the top k
        new = confusion_counts(y_true, y_pred, thresholds, self.top_k, self.class_id,
                               sample_weight, dtype=self.dtype)
        for k in self._keys:
            self.counts[k] = self.counts[k] + new[k]

    def _value(self, values):
        values = np.asarray(values, dtype=self.dtype)
        return float(values[0]) if self._single else values

    def get_config(self):
        """Return Keras's config keys."""
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.init_thresholds}


class _Count(_ConfusionMetric):
    """One confusion count (``_key``), per threshold."""

    _key = "tp"
    _direction = None  # as Keras 3: more false positives is not better; callbacks must ask

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def result(self):
        """Return the weighted count (one per threshold when several are given)."""
        return self._value(self.counts[self._key])


class TruePositives(_Count):
    """The (weighted) number of true positives: label nonzero, prediction > threshold."""

    _key = "tp"


class FalsePositives(_Count):
    """The (weighted) number of false positives: label 0, prediction > threshold."""

    _key = "fp"


class TrueNegatives(_Count):
    """The (weighted) number of true negatives: label 0, prediction <= threshold."""

    _key = "tn"


class FalseNegatives(_Count):
    """The (weighted) number of false negatives: label nonzero, prediction <= threshold."""

    _key = "fn"


class Precision(_ConfusionMetric):
    """``tp / (tp + fp)``: how many predicted positives are right.

    Args:
        thresholds: one threshold or a list (default 0.5); a list gives one value each.
        top_k: count only the k highest-scored classes of each sample as predicted.
        class_id: compute the metric for this class (column) only.

    >>> m = Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(m.result(), 4)
    0.6667
    """

    def result(self):
        """Return the precision (0 when nothing was predicted positive)."""
        tp, fp = self.counts["tp"], self.counts["fp"]
        return self._value(_divide_no_nan(tp, tp + fp))

    def get_config(self):
        """Return name, dtype, thresholds, top_k and class_id."""
        return {**super().get_config(), "top_k": self.top_k, "class_id": self.class_id}


class Recall(Precision):
    """``tp / (tp + fn)``: how many actual positives are found (same arguments as Precision).

    >>> m = Recall()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(m.result(), 4)
    0.6667
    """

    def result(self):
        """Return the recall (0 when there were no positive labels)."""
        tp, fn = self.counts["tp"], self.counts["fn"]
        return self._value(_divide_no_nan(tp, tp + fn))


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from counts at ``num_thresholds``
    evenly spaced thresholds (Keras's approximation).

    Args:
        num_thresholds: the number of thresholds (200; more is more accurate).
        curve: ``"ROC"``, ``"PR"`` or ``"PRGAIN"`` (precision-recall gain, Flach & Kull
            2015; lower-case spellings too, as Keras).
        summation_method: ``"interpolation"`` (trapezoids; for PR, Davis & Goadrich's
            interpolation), ``"minoring"`` or ``"majoring"`` (or capitalized, as Keras).
        thresholds: explicit thresholds instead (0 - eps and 1 + eps are added).
        multi_label: one curve per label (columns), averaged (weighted by ``label_weights``);
            otherwise all labels are flattened into one curve.
        from_logits: apply a sigmoid to the predictions first.
    """

    _direction = "up"

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        super().__init__(name=name, dtype=dtype)
        # Keras takes exactly these spellings (its AUCCurve/AUCSummationMethod.from_str).
        curves = {"ROC": "ROC", "roc": "ROC", "PR": "PR", "pr": "PR", "PRGAIN": "PRGAIN",
                  "prgain": "PRGAIN"}
        sums = {m: m.lower() for m in ("interpolation", "Interpolation", "minoring",
                                       "Minoring", "majoring", "Majoring")}
        if not isinstance(curve, str) or curve not in curves:
            raise InvalidArgumentError(
                f'AUC: invalid `curve` argument value "{curve}". Expected one of: "ROC", '
                '"PR", "PRGAIN".'
            )
        if not isinstance(summation_method, str) or summation_method not in sums:
            raise InvalidArgumentError(
                f'AUC: invalid `summation_method` argument value "{summation_method}". '
                'Expected one of: "interpolation", "minoring", "majoring".'
            )
        curve, summation_method = curves[curve], sums[summation_method]
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            num_thresholds = len(inner) + 2
        else:
            if num_thresholds <= 1:
                raise InvalidArgumentError(
                    f"AUC: `num_thresholds` must be > 1. Received: num_thresholds={num_thresholds}"
                )
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.num_thresholds = num_thresholds
        self._thresholds = [0.0 - epsilon()] + inner + [1.0 + epsilon()]
        self._init_from_thresholds = thresholds is not None
        self.curve, self.summation_method = curve, summation_method
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else np.asarray(label_weights,
                                                                           np.float64)
        self.from_logits = bool(from_logits)
        self.reset_state()

    @property
    def thresholds(self):
        """The thresholds, with the two outer ones."""
        return list(self._thresholds)

    def reset_state(self):
        """Zero the counts (keeping their shape once known, as Keras's variables do)."""
        counts = getattr(self, "counts", None)
        self.counts = None if counts is None else {k: np.zeros_like(v) for k, v in
                                                   counts.items()}

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's counts at every threshold."""
        y_pred = _np(y_pred, "y_pred")
        if self.from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-y_pred))
        new = confusion_counts(y_true, y_pred, self._thresholds, sample_weight=sample_weight,
                               multi_label=self.multi_label,
                               label_weights=None if self.multi_label else self.label_weights,
                               dtype=self.dtype)
        if self.counts is None:
            self.counts = new
        else:
            self.counts = {k: self.counts[k] + new[k] for k in new}

    def result(self):
        """Return the area (0 before any update)."""
        if self.counts is None:
            return 0.0
        tp, fp, tn, fn = (self.counts[k] for k in ("tp", "fp", "tn", "fn"))
        if self.curve == "PR" and self.summation_method == "interpolation":
            by_label = self._interpolate_pr_auc(tp, fp, fn)
        else:
            recall = _divide_no_nan(tp, tp + fn)
            if self.curve == "ROC":
                x, y = _divide_no_nan(fp, fp + tn), recall
            elif self.curve == "PR":
                x, y = recall, _divide_no_nan(tp, tp + fp)
            else:
                x, y = _pr_gain(tp, fp, tn, fn)
            if self.summation_method == "interpolation":
                heights = (y[:-1] + y[1:]) / 2.0
            elif self.summation_method == "minoring":
                heights = np.minimum(y[:-1], y[1:])
            else:
                heights = np.maximum(y[:-1], y[1:])
            by_label = np.sum((x[:-1] - x[1:]) * heights, axis=0)
        return float(np.asarray(self._average(by_label), dtype=self.dtype))

    def _average(self, by_label):
        if not self.multi_label:
            return by_label
        if self.label_weights is None:
            return np.mean(by_label)
        return _divide_no_nan(np.sum(by_label * self.label_weights), np.sum(self.label_weights))

    @staticmethod
    def _interpolate_pr_auc(tp, fp, fn):
        # Davis & Goadrich (2006): precision varies along each interval as TP and P = TP + FP
        # vary linearly, which integrates to slope * (dTP + intercept * log(P_A / P_B)).
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both, _divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        increment = _divide_no_nan(slope * (dtp + intercept * np.log(ratio)),
                                   np.maximum(tp[1:] + fn[1:], 0))
        return np.sum(increment, axis=0)

    def get_config(self):
        """Return Keras's AUC config."""
        config = {
            "name": self.name, "dtype": self.dtype, "num_thresholds": self.num_thresholds,
            "curve": self.curve, "summation_method": self.summation_method,
            "multi_label": self.multi_label, "num_labels": self.num_labels,
            "label_weights": None if self.label_weights is None else
            self.label_weights.tolist(),
            "from_logits": self.from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self._thresholds[1:-1]
        return config


def _pr_gain(tp, fp, tn, fn):
    """Recall gain and precision gain at each threshold (Flach & Kull 2015), as Keras computes
    them: ``1 - (P / N) * fn / tp`` and ``1 - (P / N) * fp / tp``; where ``tp`` is 0 the
    recall gain is 0 and the precision gain 1, and a negative recall gain counts as 0."""
    scale = _divide_no_nan(tp + fn, tn + fp)  # P / N
    no_tp = tp == 0
    recall_gain = np.where(no_tp, 0.0, 1.0 - scale * _divide_no_nan(fn, tp))
    precision_gain = np.where(no_tp, 1.0, 1.0 - scale * _divide_no_nan(fp, tp))
    return np.maximum(recall_gain, 0.0), precision_gain


class FBetaScore(Metric):
    """The F-beta score per class (``average=None``) or averaged: ``(1 + beta**2) * p * r /
    (beta**2 * p + r)``.

    Args:
        average: None (one score per class), ``"micro"`` (from global counts), ``"macro"``
            (the mean of the class scores) or ``"weighted"`` (weighted by class support).
        beta: how much more recall counts than precision (1: the F1 score).
        threshold: predictions above it are positive; None takes each row's argmax.
    """

    _direction = "up"

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise InvalidArgumentError(
                "Invalid `average` argument value. Expected one of: [None, 'micro', 'macro', "
                f"'weighted']. Received: average={average!r}"
            )
        if not isinstance(beta, (int, float)) or beta <= 0:
            raise InvalidArgumentError(
                f"Invalid `beta` argument value. It should be a Python float > 0. Received: "
                f"beta={beta!r}"
            )
        if threshold is not None and not 0 < threshold <= 1:
            raise InvalidArgumentError(
                f"Invalid `threshold` argument value. It should be a Python float in the range "
                f"]0, 1]. Received: threshold={threshold!r}"
            )
        self.average, self.beta, self.threshold = average, float(beta), threshold
        self.reset_state()

    def reset_state(self):
        """Zero the per-class counts (keeping their shape once known)."""
        state = getattr(self, "_state", None)
        self._state = None if state is None else [np.zeros_like(v) for v in state]

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's per-class true/false positives, false negatives and support."""
        y_true = _np(y_true, "y_true").astype(self.dtype)
        y_pred = _np(y_pred, "y_pred").astype(self.dtype)
        if y_true.ndim != 2 or y_pred.shape != y_true.shape:
            raise InvalidArgumentError(
                f"FBetaScore expects 2D inputs of the same shape (batch, classes). Received: "
                f"y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}"
            )
        if self.threshold is None:
            # The argmax of each row (ties all count), but a row of zeros stays all zero.
            top = y_pred.max(axis=-1, keepdims=True)
            y_pred = ((y_pred >= top) & (np.abs(y_pred) > 1e-9)).astype(self.dtype)
        else:
            y_pred = (y_pred > self.threshold).astype(self.dtype)
        w = None if sample_weight is None else _np(sample_weight).astype(self.dtype)[:, None]
        axes = None if self.average == "micro" else 0

        def total(v):
            return np.sum(v if w is None else v * w, axis=axes, dtype=np.float64)

        new = [total(y_pred * y_true), total(y_pred * (1 - y_true)),
               total((1 - y_pred) * y_true), total(y_true)]
        self._state = new if self._state is None else [a + b for a, b in
                                                       zip(self._state, new)]

    def result(self):
        """Return the score: an array per class (``average=None``) or a float."""
        if self._state is None:
            return 0.0
        tp, fp, fn, support = self._state
        eps = epsilon()
        precision = tp / (tp + fp + eps)
        recall = tp / (tp + fn + eps)
        score = (1 + self.beta ** 2) * precision * recall / (
            self.beta ** 2 * precision + recall + eps)
        if self.average == "weighted":
            score = np.sum(score * support / (np.sum(support) + eps))
        elif self.average is not None:
            score = np.mean(score)
        score = np.asarray(score, dtype=self.dtype)
        return float(score) if score.ndim == 0 else score

    def get_config(self):
        """Return name, dtype, average, beta and threshold."""
        return {"name": self.name, "dtype": self.dtype, "average": self.average,
                "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """The F1 score (``FBetaScore`` with ``beta=1``)."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        """Return name, dtype, average and threshold."""
        config = super().get_config()
        del config["beta"]
        return config
