"""The training loop: ``compile``, ``fit``, ``evaluate``, ``predict`` and one ``train_step``.

One step, from ``fit`` to the weight update, reads top to bottom in ``_tape_step``:
forward pass recorded on a tape -> loss (+ regularization penalties) -> backward pass
(``tape.gradient``) -> ``optimizer.apply`` updates the variables in place; ``train_step``
then updates the metrics. With ``jit_compile`` on (the default, ``"auto"``) that step is
traced on the first batch of each shape and replayed for the next ones
(``autodiff/plan.py``): the same ops, without the Python between them.
``compile(jit_compile=False)`` or ``run_eagerly=True`` runs the tape every time.
"""

import math
from functools import partial, wraps

import numpy as np

from tinykeras import distribute
from tinykeras import losses as losses_module
from tinykeras import metrics as metrics_module
from tinykeras import optimizers as optimizers_module
from tinykeras.autodiff import GradientTape, math_ops, op
from tinykeras.autodiff import plan as plan_module
from tinykeras.backend import global_rng
from tinykeras.callbacks import CallbackList, History, ProgbarLogger, TerminateOnNaN
from tinykeras.errors import InvalidArgumentError, NonFiniteLossError, TinykerasError
from tinykeras.layers import tracking
from tinykeras.models import custom_step, data, setup_warnings, sources
from tinykeras.models.interrupts import InterruptGuard
from tinykeras.utils import validation
from tinykeras.utils.progbar import resolve_verbose
from tinykeras.utils.splits import ValidationSplit


@op
def _check_finite_loss(loss):
    """Raise ``NonFiniteLossError`` for a NaN/inf loss, before the update: the weights stay
    good. An op (its output is unused) so that a replayed step checks every batch."""
    # A scalar loss (the usual case) in one C call; logical_and.reduce is what .all() runs,
    # minus a Python wrapper (this runs once per step).
    value = loss if type(loss) is np.ndarray else np.asarray(loss)
    if not (math.isfinite(value) if value.ndim == 0 and value.dtype.kind == "f"
            else np.logical_and.reduce(np.isfinite(value), axis=None)):
        raise NonFiniteLossError(f"the loss is {float(loss)}")
    return loss, lambda g, needs: (None,)


def _refusals_keep_the_rng(fit):
    """Make a refused ``fit`` leave the random generator where it was: the first batch of a
    shuffled PyDataset is drawn (its pass's order) before the batch can be checked."""

    @wraps(fit)
    def checked_fit(self, *args, **kwargs):
        rng = global_rng()
        state = rng.bit_generator.state
        self.__dict__["_fit_started"] = False
        try:
            return fit(self, *args, **kwargs)
        except TinykerasError:
            if not self.__dict__["_fit_started"] and rng is global_rng():
                rng.bit_generator.state = state
            raise

    return checked_fit


class Trainer:
    """Mixin that gives a model the Keras training API; the model supplies ``__call__``."""

    def _init_trainer(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.stop_training = False
        self.history = None
        self._metrics = []
        self._metric_ids = []
        self._metric_names = []
        self._num_unweighted = 0
        self._loss_total = 0.0
        self._loss_count = 0
        self.jit_compile = True
        self.run_eagerly = False
        self._distribution = None
        self._initial_epoch = None
        self._jit_mode = "auto"
        self._learn = None  # _tape_step, traced unless jit_compile=False (see _prepare_training)
        self._train_fn = None
        self._judge = None  # _test_core, traced like _learn (see _prepare_eval)
        self._structure_key = None

    # -- compile -------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configure training: the optimizer, the loss and the metrics to report.

        Args:
            optimizer: a name (``"adam"``) or an Optimizer instance.
            loss: a name (``"binary_crossentropy"``, ``"mse"``), a Loss or a function
                ``fn(y_true, y_pred)`` returning per-sample losses; or a one-element list of
                one (one loss per output, as Keras takes it; ``model.loss`` keeps the list).
            loss_weights: a scalar (or one-element list) that scales the loss.
            metrics: names (``"accuracy"``, ``"mae"``), Metric instances or functions.
        """
        # Resolve and check every argument before assigning any: a refused compile leaves
        # the model as it was (optimizer, slots and iterations included).
        optimizer_obj = optimizers_module.get(optimizer)
        loss_fn = losses_module.get(_single_loss(loss))
        if loss_fn is not None and not isinstance(loss_fn, losses_module.Loss):
            loss_fn = losses_module.LossFunctionWrapper(loss_fn)
        loss_weight = _check_loss_weights(loss_weights)
        unweighted = _check_metrics("metrics", metrics)
        metric_ids = unweighted + _check_metrics("weighted_metrics", weighted_metrics)
        jit_choices = (True, False, "auto", "check", None)
        if jit_compile not in jit_choices:
            validation.check_choice("jit_compile", jit_compile, jit_choices)
        run_eagerly = validation.check_bool("run_eagerly", run_eagerly)
        validation.check_int("steps_per_execution", steps_per_execution, low=1)
        self.optimizer = optimizer_obj
        self.loss = loss
        self._loss_fn = loss_fn
        self._loss_weight = loss_weight
        self._metric_ids = metric_ids
        # Keras passes sample weights only to `weighted_metrics` (after the plain ones here).
        self._num_unweighted = len(unweighted)
        self._metrics = None  # resolved from the first batch's shapes ("accuracy")
        self._compile_config = {"optimizer": optimizer, "loss": loss,
                                "loss_weights": loss_weights, "metrics": metrics,
                                "weighted_metrics": weighted_metrics}
        self._jit_mode = plan_module.jit_mode(jit_compile)  # checks the value
        self.jit_compile = self._jit_mode != "off"
        self.run_eagerly = run_eagerly
        self._distribution = distribute.distribution()  # compiled in a strategy's scope()
        self._learn = self._train_fn = self._judge = None
        self.compiled = True
        self.stop_training = False
        self._loss_total = 0.0
        self._loss_count = 0

    def _assert_compiled(self, method):
        # A model compiled without a loss may still train: on its add_loss losses, or with a
        # custom train_step (compute_loss says so if there is nothing to minimize).
        if not self.compiled:
            raise InvalidArgumentError(
                f"You must call `compile()` with a loss before calling `{method}()`. "
                "For example: model.compile(optimizer='adam', loss='binary_crossentropy')."
            )

    # -- one step ------------------------------------------------------------------------------
    def train_step(self, x, y=None, sample_weight=None):
        """Run one gradient-descent step on a batch; return the batch loss (before the update)
        as a scalar Tensor. Override it to change what a step does (``fit`` traces and
        replays an override too, or runs it as written where it cannot be traced).
        ``super().train_step(data)`` from a Keras-3 ``train_step(self, data)`` runs Keras's
        own step and returns its logs (``custom_step.keras_step``)."""
        if y is None and custom_step.in_data_step(self):
            return custom_step.keras_step(self, x, self._learn)
        loss, y_pred = self._learn(x, y, sample_weight)
        if self._metric_ids:
            self._update_metrics(y, y_pred, sample_weight)
        return loss

    def _tape_step(self, x, y, sample_weight=None):
        """The step itself: forward and loss on a tape, gradients, the optimizer update."""
        variables = self._train_variables
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight)
        _check_finite_loss(loss)  # an op, so that every replayed batch is checked too
        grads = tape.gradient(loss, variables)
        self.optimizer.apply(grads, variables)  # also applies any weight constraints
        return loss, y_pred

    def _fit_step(self, x, y, sample_weight=None):
        """One step of ``fit``: ``train_step`` (or its traced replay); the loss as a float."""
        result = self._train_fn(x, y, sample_weight)
        if isinstance(result, dict):
            result = result["loss"]
        return float(getattr(result, "value", result))

    def test_step(self, x, y=None, sample_weight=None):
        """Compute the loss of one batch without training; update the metrics (from a
        Keras-3 ``test_step(self, data)``: ``super().test_step(data)`` returns Keras's logs)."""
        if y is None and custom_step.in_data_step(self):
            return custom_step.keras_step(self, x, self._judge)
        loss, y_pred = self._judge(x, y, sample_weight)
        if self._metric_ids:
            self._update_metrics(y, y_pred, sample_weight)
        return float(loss.value)

    def _test_core(self, x, y, sample_weight=None):
        """The forward pass and the loss of one batch, without a tape (traced and replayed
        as ``_tape_step`` is, unless ``jit_compile=False``)."""
        y_pred = self(x, training=False)
        return self.compute_loss(x, y, y_pred, sample_weight), y_pred

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
        """Return the compiled loss plus every regularization penalty, as a scalar Tensor."""
        if self._loss_fn is None:  # compiled without a loss: only the add_loss/regularizers
            penalties = self.losses
            if not penalties:
                raise InvalidArgumentError(
                    f"Model '{self.name}' has no loss to minimize: compile it with `loss=...`, "
                    "or add losses with `self.add_loss(...)` in `call`.")
            loss = penalties[0]
            for penalty in penalties[1:]:
                loss = loss + penalty
            return loss
        loss = self._loss_fn(y, y_pred, sample_weight)
        if self._loss_weight is not None:
            loss = loss * self._loss_weight
        if self._regularized or tracking.any_added():
            penalties = self.losses
            if penalties:  # loss + p1 + p2 + ..., in this order, as one op
                loss = math_ops._add_in_order(loss, *penalties)
        return loss

    def _update_metrics(self, y, y_pred, sample_weight, output_losses=True):
        # Metrics accumulate in Python: a step that updates them cannot be replayed.
        # (`output_losses`: one output has no loss tracker of its own; see functional.py.)
        plan_module.refuse("metrics updated inside the traced step")
        pred = getattr(y_pred, "value", y_pred)
        if self._metrics is None:
            self._resolve_metrics(y, pred)
        if sample_weight is None:
            for metric in self._metrics:
                metric.update_state(y, pred)
            return
        for i, metric in enumerate(self._metrics):
            metric.update_state(y, pred, None if i < self._num_unweighted else sample_weight)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with a batch (each output's loss too) and return
        ``get_metrics_result()``, as Keras 3's; for a custom ``train_step(self, data)``."""
        if self._metric_ids:
            self._update_metrics(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        """``{name: value}`` of every metric in ``self.metrics``, a metric whose result is a
        dict (``compile_metrics``) by its entries, as Keras 3."""
        # A compiled metric goes by its log name (out_a_mae) where it is listed on its own.
        names = {id(m): n for n, m in zip(self._metric_names, self._metrics or ())}
        logs = {}
        for metric in self.metrics:
            value = metric.result()
            if isinstance(value, dict):
                logs.update({k: custom_step.as_float(v) for k, v in value.items()})
            else:
                logs[names.get(id(metric), metric.name)] = custom_step.as_float(value)
        return logs

    def _resolve_metrics(self, y, y_pred):
        resolved = []
        for ident in self._metric_ids:
            if isinstance(ident, str) and ident.lower() in ("accuracy", "acc"):
                resolved.append(metrics_module.get_accuracy(np.shape(y), np.shape(y_pred), ident))
            else:
                resolved.append(metrics_module.get(ident))
        self._metrics = resolved
        self._metric_names = _log_names([m.name for m in resolved], self._num_unweighted)

    def _prepare_training(self):
        """Cache what every step needs, so the step itself does no lookups."""
        self._train_variables = self.trainable_variables
        self._regularized = any(
            getattr(layer, "kernel_regularizer", None) or getattr(layer, "bias_regularizer", None)
            or getattr(layer, "activity_regularizer", None)
            for layer in self._flat_layers()
        ) or any(v.regularizer is not None for v in self.weights)
        if not self.optimizer.built:
            self.optimizer.build(self._train_variables)
        self._structure_key = (id(self.optimizer), self._regularized,
                               tuple(map(id, self._train_variables)))
        if self._learn is None:
            mode = "off" if self.run_eagerly else self._jit_mode
            name = f"the training step of model '{self.name}'"
            structure = self._get_structure_key
            self._learn = self._tape_step if mode == "off" else plan_module.TracedFunction(
                self._tape_step, mode, key=structure, name=name)
            overridden = type(self).train_step is not Trainer.train_step
            self._train_fn = plan_module.TracedFunction(
                self.train_step, mode, key=structure, name=f"{type(self).__name__}.train_step"
            ) if overridden and mode != "off" else self.train_step

    def _get_structure_key(self):
        return self._structure_key

    # -- fit -----------------------------------------------------------------------------------
    @_refusals_keep_the_rng
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` passes over the data in shuffled mini-batches; return a History.

        ``x`` is an array (with ``y``), or a source of ``(x, y[, sample_weight])`` batches: a
        generator, a ``tinykeras.data.Dataset``, a ``PyDataset`` (see ``models/sources.py``).
        The epoch's ``loss`` is the batch-size-weighted mean of the batch losses, each taken
        before that batch's update (as Keras reports it). Validation data, when given, is
        evaluated after each epoch and logged with a ``val_`` prefix. ``verbose="auto"`` draws
        the progress bar in a terminal or notebook and prints one line per epoch elsewhere.
        """
        self._assert_compiled("fit")
        # Every check first; the model, optimizer and random generator change only after.
        batch_size = data.check_batch_size(batch_size)
        epochs, initial_epoch = data.check_fit_arguments(
            epochs, initial_epoch, shuffle,
            0.0 if isinstance(validation_split, ValidationSplit) else validation_split,
            validation_freq)
        verbose = resolve_verbose(data.check_verbose(verbose, resolve=False))
        steps_per_epoch = data.check_steps("steps_per_epoch", steps_per_epoch)
        validation_steps = data.check_steps("validation_steps", validation_steps)
        validation_batch_size = data.check_batch_size(
            validation_batch_size, default=None, name="validation_batch_size")
        callbacks = data.check_callbacks(callbacks)
        rng = global_rng()
        # Several MPI ranks (tinykeras.distribute): each takes its share of every batch.
        dist = distribute.active_for(self)
        fit_step, current_logs = self._fit_step, self._current_logs
        if sources.is_batch_source(x):
            _refuse_arrays_with_source(y, sample_weight, validation_split)
            if dist is not None:
                raise InvalidArgumentError(
                "MPIDataParallel trains on arrays; pass `x` and `y` as arrays.")
            train = sources.IterableSource(x, steps_per_epoch, shuffle, rng)
            first = self._prepare_batch(train.peek(), class_weight)[0]
        else:
            x, y, sample_weight = self._prepare_xy(x, y, sample_weight, class_weight, batch_size)
            if validation_data is None and isinstance(validation_split, ValidationSplit):
                # Opt-in: shuffled and stratified rows (utils/splits.py).
                (x, y, sample_weight), validation_data = validation_split.split(
                    x, y, sample_weight)
            elif validation_data is None and validation_split:
                (x, y, sample_weight), validation_data = data.train_validation_split(
                    (x, y, sample_weight), validation_split)
            first = x
            train = sources.ArraySource(x, y, sample_weight, batch_size, shuffle, rng,
                                        steps_per_epoch)
        val = self._validation_source(validation_data, validation_batch_size or batch_size,
                                      validation_steps, dist, first=first)
        self._ensure_built(first, batch_size)  # only now: a refused fit leaves it unbuilt
        custom_step.check_has_loss(self, first)
        self._prepare_training()
        setup_warnings.warn_silent_mistakes(self)
        if dist is not None:
            verbose, callbacks = dist.begin_fit(self, len(x), batch_size, verbose, callbacks)
            fit_step, train.batches = dist.fit_step(self), dist.epoch_batches
            current_logs = partial(dist.logs, self)

        self.__dict__["_fit_started"] = True  # from here on, a failure is not a refusal
        cbs = self._callback_list(callbacks, verbose, epochs, train.num_batches, add_history=True)
        self.history = next(cb for cb in cbs.callbacks if isinstance(cb, History))
        batch_begin = cbs.wants("on_train_batch_begin")
        batch_end = cbs.wants("on_train_batch_end")
        batch_logs = cbs.wants_logs("on_train_batch_end")
        if dist is not None:
            # Per-batch logs are a collective: every rank computes them if any rank wants them.
            batch_end = batch_logs = dist.agree(batch_end)
        iterable = isinstance(train, sources.IterableSource)
        self.stop_training = False
        self._initial_epoch = None  # BackupAndRestore sets it when it resumes
        cbs.call("on_train_begin", {})
        if self._initial_epoch is not None:
            initial_epoch = self._initial_epoch
        logs = {}
        # The running loss goes through the instance dict: Layer.__setattr__ (attribute
        # tracking) is Python, and twice per step it cost more than a small op.
        state = self.__dict__
        guard = InterruptGuard(self)
        # The labels were checked whole at the door: a replayed step need not check each batch.
        door = None if iterable else self._door(x)
        with guard, plan_module.checked_inputs((self._learn, self._train_fn), door), \
                sources.closing(train, val):
            # Ctrl-C: stop after the current batch (models/interrupts.py); however the loop
            # ends, a PyDataset's loader workers end with it (utils/prefetch.py).
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                cbs.call("on_epoch_begin", epoch, {})
                for step, batch in enumerate(train.epoch()):
                    if batch_begin:
                        cbs.call("on_train_batch_begin", step, {})
                    if iterable:
                        xb, yb, swb = self._prepare_stream_batch(batch, class_weight, epoch, step)
                    else:
                        xb, yb, swb = batch
                    try:
                        loss = fit_step(xb, yb, swb)
                    except NonFiniteLossError as err:  # the update of this batch was not applied
                        loss = _non_finite_loss(err, cbs, epoch, step)
                    rows = len(xb)
                    state["_loss_total"] += loss * rows
                    state["_loss_count"] += rows
                    if batch_end:
                        cbs.call("on_train_batch_end", step, current_logs() if batch_logs else None)
                    if self.stop_training:
                        break
                if (iterable and train.exhausted) or guard.caught:
                    break  # a generator ran dry before this epoch, or Ctrl-C: no epoch to report
                logs = current_logs()
                if val is not None and (epoch + 1) % validation_freq == 0:
                    val_logs = self._run_evaluation(val, cbs, dist)
                    logs.update({f"val_{k}": v for k, v in val_logs.items()})
                    logs = dict(sorted(logs.items()))  # Keras sorts train and val keys together
                cbs.call("on_epoch_end", epoch, logs)
                if self.stop_training:
                    break
        cbs.call("on_train_end", logs)
        if dist is not None:
            dist.end_fit(self)
        self.history.params = {"verbose": verbose, "epochs": epochs, "steps": train.num_batches}
        self.history.model = self
        return self.history

    def _callback_list(self, callbacks, verbose, epochs, steps, add_history=False):
        """The user's callbacks, then History and the progress bar unless given (Keras's order:
        so a callback that adds ``learning_rate`` to the logs is seen by both)."""
        cbs = CallbackList(callbacks, model=self, verbose=verbose, epochs=epochs, steps=steps)
        if add_history and not any(isinstance(cb, History) for cb in cbs.callbacks):
            cbs.append(History())
        if verbose and not any(isinstance(cb, ProgbarLogger) for cb in cbs.callbacks):
            cbs.append(ProgbarLogger())
        return cbs

    def _prepare_batch(self, batch, class_weight=None):
        """Unpack and convert one batch from an iterable source."""
        xb, yb, swb = sources.unpack(batch)
        return _in_memory(self._prepare_xy(xb, yb, swb, class_weight))

    def _prepare_stream_batch(self, batch, class_weight, epoch, step):
        """``_prepare_batch`` for a batch met mid-training: a refusal says where, and that the
        model keeps what the batches before it taught (their steps cannot be undone)."""
        try:
            return self._prepare_batch(batch, class_weight)
        except TinykerasError as err:
            raise type(err)(
                f"Batch {step} of epoch {epoch + 1} from the data source was refused: {err} "
                "Training stopped there, before that batch's step: the model keeps the weights "
                "of the batches before it."
            ) from None

    def _validation_source(self, validation_data, batch_size, steps, dist=None, first=None):
        if validation_data is None:
            return None
        if sources.is_batch_source(validation_data):
            source = sources.IterableSource(validation_data, steps, name="validation_data")
            if first is not None:  # its first batch is checked now, not after a trained epoch
                try:
                    xb, yb, swb = sources.unpack(source.peek())
                    vx = self._prepare_xy(xb, yb, swb, None, names=(
                        "validation_data[0]", "validation_data[1]"))[0]
                    _check_validation_samples(first, vx)
                except BaseException:
                    source.close()
                    raise
            return source
        if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
            raise InvalidArgumentError(
                "Argument `validation_data` must be a tuple (x_val, y_val) or (x_val, y_val, "
                f"val_sample_weight). Received: {validation_data_str(validation_data)}"
            )
        vx, vy, *rest = validation_data
        vx, vy, vsw = self._prepare_xy(vx, vy, rest[0] if rest else None, None,
                                       names=("validation_data[0]", "validation_data[1]"))
        return self._eval_array_source(vx, vy, vsw, batch_size, steps, dist)

    @staticmethod
    def _eval_array_source(x, y, sample_weight, batch_size, steps, dist):
        source = sources.ArraySource(x, y, sample_weight, batch_size, steps=steps)
        if dist is not None:  # several MPI ranks: each evaluates its share of every batch
            source.batches = lambda n, size, shuffle, rng: dist.evaluate_batches(n, size)
        return source

    # -- evaluate / predict --------------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """Return the loss (and metrics) over the data, computed batch by batch.

        Returns a scalar loss when there are no metrics, ``[loss, *metrics]`` otherwise, or a
        dict with ``return_dict=True``. ``x`` may be an array or a source of batches (as in
        ``fit``).
        """
        self._assert_compiled("evaluate")
        batch_size = data.check_batch_size(batch_size)
        verbose = resolve_verbose(data.check_verbose(verbose, resolve=False))
        steps = data.check_steps("steps", steps)
        callbacks = data.check_callbacks(callbacks)
        if sources.is_batch_source(x):
            _refuse_arrays_with_source(y, sample_weight, 0.0)
            source = sources.IterableSource(x, steps)
            self._ensure_built(self._prepare_batch(source.peek())[0])
        else:
            x, y, sample_weight = self._prepare_xy(x, y, sample_weight, None, batch_size)
            self._ensure_built(x, batch_size)
            source = self._eval_array_source(x, y, sample_weight, batch_size, steps,
                                             distribute.active_for(self))
        cbs = self._callback_list(callbacks, verbose, 1, source.num_batches)
        with sources.closing(source):
            logs = self._run_evaluation(source, cbs, distribute.active_for(self))
        return logs if return_dict else self._logs_as_list(logs)

    def _run_evaluation(self, source, cbs, dist=None):
        """Run the test steps over ``source`` with the test hooks; return the logs."""
        self._prepare_eval()
        self.reset_metrics()
        iterable = isinstance(source, sources.IterableSource)
        batch_begin = cbs.wants("on_test_batch_begin")
        batch_end = cbs.wants("on_test_batch_end")
        batch_logs = cbs.wants_logs("on_test_batch_end")
        current_logs = self._current_logs
        if dist is not None:
            current_logs = partial(dist.logs, self)
            batch_end = batch_logs = dist.agree(batch_end)  # a collective: all ranks or none
        cbs.call("on_test_begin", {})
        # Labels checked whole at the door (arrays): a replayed step need not check each batch.
        door = None if iterable else self._door(source.x)
        with plan_module.checked_inputs((self._judge,), door):
            for step, batch in enumerate(source.epoch()):
                if batch_begin:
                    cbs.call("on_test_batch_begin", step, {})
                xb, yb, swb = self._prepare_batch(batch) if iterable else batch
                if len(xb):  # an MPI rank's share of a small batch may be empty
                    loss = self.test_step(xb, yb, swb)
                    self._loss_total += loss * len(xb)
                    self._loss_count += len(xb)
                if batch_end:
                    cbs.call("on_test_batch_end", step,
                             current_logs() if batch_logs else None)
        logs = current_logs()
        cbs.call("on_test_end", logs)
        return logs

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Return the model's outputs for ``x`` as a NumPy array in floatx, batch by batch.

        ``verbose="auto"`` shows progress only when there is more than one batch: Keras prints
        ``1/1 ━━━ 0s 20ms/step`` on every small call, which floods loops of one-row predicts.
        """
        batch_size = data.check_batch_size(batch_size)
        data.check_verbose(verbose, resolve=False)
        steps = data.check_steps("steps", steps)
        callbacks = data.check_callbacks(callbacks)
        if sources.is_batch_source(x):
            source = sources.IterableSource(x, steps)
            first = sources.unpack(source.peek())[0]
            self._ensure_built(self._prepare_x(first, batch_size))
        else:
            x = self._prepare_x(x, batch_size)
            self._ensure_built(x, batch_size)
            source = None
            dist = distribute.active_for(self)
            if dist is not None:  # several MPI ranks: each predicts a block, all get every row
                return dist.predict(self, x, batch_size, steps, callbacks)
        run = self._call_to_array  # the model's own call, whatever the subclass
        if source is None and len(x) <= batch_size and not callbacks and verbose in ("auto", 0):
            return run(data.in_memory(x))  # one batch: no bookkeeping (one-row predict is hot)
        if source is None:
            source = sources.ArraySource(x, None, None, batch_size, steps=steps)
        verbose = resolve_verbose(verbose)
        cbs = self._callback_list(callbacks, verbose, 1, source.num_batches)
        iterable = isinstance(source, sources.IterableSource)
        cbs.call("on_predict_begin", {})
        outs = []
        with sources.closing(source):
            for step, batch in enumerate(source.epoch()):
                cbs.call("on_predict_batch_begin", step, {})
                xb = sources.unpack(batch)[0] if iterable else batch[0]
                if iterable:
                    xb = data.in_memory(self._prepare_x(xb, None))
                outs.append(run(xb))
                cbs.call("on_predict_batch_end", step, {"outputs": outs[-1]})
        cbs.call("on_predict_end", {})
        if not outs:
            raise InvalidArgumentError(
                "`predict` received no batches: the data source was empty.")
        return np.concatenate(outs, axis=0)

    # -- on_batch ------------------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """Run one training step on exactly this batch; return the running loss (and metrics)."""
        self._assert_compiled("train_on_batch")
        x, y, sample_weight = _in_memory(self._prepare_xy(x, y, sample_weight, class_weight))
        self._ensure_built(x)
        self._prepare_training()
        loss = self._fit_step(x, y, sample_weight)
        self._loss_total += loss * len(x)
        self._loss_count += len(x)
        return self._result(return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Evaluate one batch (metrics restart first); return the loss (and metrics)."""
        self._assert_compiled("test_on_batch")
        x, y, sample_weight = _in_memory(self._prepare_xy(x, y, sample_weight, None))
        self._ensure_built(x)
        self._prepare_eval()
        self.reset_metrics()
        loss = self.test_step(x, y, sample_weight)
        self._loss_total, self._loss_count = loss * len(x), len(x)
        return self._result(return_dict)

    def _call_to_array(self, x):
        return self(x).value

    def predict_on_batch(self, x):
        """Return the outputs for one batch as a NumPy array."""
        x = data.in_memory(self._prepare_x(x, None))
        self._ensure_built(x)
        return self(x).value

    # -- bookkeeping ---------------------------------------------------------------------------
    @property
    def metrics(self) -> list:
        """The loss tracker's name and the compiled metrics (once resolved)."""
        return list(self._metrics or [])

    @property
    def metrics_names(self) -> list:
        """``["loss", ...metric names]``."""
        return ["loss"] + [m.name for m in self._metrics or []]

    def reset_metrics(self):
        """Zero the running loss and every metric."""
        self._loss_total = 0.0
        self._loss_count = 0
        for m in self._metrics or []:
            m.reset_state()
        if getattr(self, "_custom_logs", None) is not None:  # a Keras-3 custom step's metrics
            self._custom_logs = None
            for m in self.metrics:
                m.reset_state()

    def _current_logs(self) -> dict:
        if getattr(self, "_custom_logs", None) is not None:  # the logs a custom step returned
            return dict(self._custom_logs)
        logs = {"loss": self._loss_total / self._loss_count if self._loss_count else 0.0}
        metrics = self._metrics or []
        names = self._metric_names
        if len(names) != len(metrics):  # metrics set from outside compile
            names = [m.name for m in metrics]
        for name, m in zip(names, metrics):
            logs[name] = custom_step.as_float(m.result())  # a custom metric may return a Variable
        return dict(sorted(logs.items()))

    def _logs_as_list(self, logs):
        """Keras's list form of the logs: the loss alone as a float; otherwise the loss, each
        compiled metric by its own name in compile order, then the other keys sorted."""
        if len(logs) == 1:
            return logs["loss"]
        # From the logs, not the metric objects: over MPI ranks only the logs are global.
        names = ["loss"] + [m.name for m in self._metrics or []]
        return [logs[n] for n in names if n in logs] + [
            logs[k] for k in sorted(logs) if k not in names]

    def _result(self, return_dict):
        logs = self._current_logs()
        return logs if return_dict else self._logs_as_list(logs)

    def _prepare_eval(self):
        self._regularized = any(v.regularizer is not None for v in self.weights) or any(
            getattr(layer, "activity_regularizer", None) for layer in self._flat_layers()
        )
        # What a replayed test step depends on besides its arrays: the weights it reads and
        # whether penalties join the loss.
        self._eval_key = (self._regularized, tuple(map(id, self.weights)))
        if self._judge is None:
            mode = "off" if self.run_eagerly else self._jit_mode
            self._judge = self._test_core if mode == "off" else plan_module.TracedFunction(
                self._test_core, mode, key=self._get_eval_key,
                name=f"the test step of model '{self.name}'")

    def _get_eval_key(self):
        return self._eval_key

    def _convert_inputs(self, x):
        """Validate and convert ``x`` once (the functional API takes a list of inputs)."""
        return data.to_array(x, "x", dtype=self._np_dtype)

    def _prepare_x(self, x, rows, name="x"):
        """Convert and check ``x`` before anything runs: numeric, finite, samples of the
        model's input shape (unbuilt models: at least 2-D)."""
        x = self._convert_inputs(x)
        if isinstance(x, np.ndarray):  # several inputs: the functional model checks each
            data.check_samples(x, name, self._sample_shape(), self._input_who, rows)
            data.check_finite(x, name)
        return x

    def _prepare_xy(self, x, y, sample_weight, class_weight, rows=None, names=("x", "y")):
        """Validate and convert the data once: x to floatx, labels to floatx unless sparse;
        targets checked against the model's output shape and the loss's label rules."""
        if y is None and custom_step.uses_data_step(self):  # its train_step(data) gets x alone
            return self._prepare_x(x, rows, names[0]), None, sample_weight
        if y is None:
            raise InvalidArgumentError(
                f"Argument `{names[1]}` is required: tinykeras models learn from (x, y) pairs.")
        if x is None:
            raise InvalidArgumentError(f"Argument `{names[0]}` must not be None.")
        sparse = isinstance(self._loss_fn, losses_module.LossFunctionWrapper) and (
            self._loss_fn.fn is losses_module.sparse_categorical_crossentropy
        )
        x = self._convert_inputs(x)
        y = data.to_array(y, names[1], dtype=None if sparse else self._np_dtype)
        sw_name = names[0].replace("[0]", "[2]") if "[" in names[0] else "sample_weight"
        if sample_weight is not None:
            sample_weight = data.to_array(sample_weight, sw_name, dtype=self._np_dtype)
        data.check_lengths(**{names[0]: x, names[1]: y, sw_name: sample_weight})
        rows = len(x) if rows is None else min(rows, len(x))
        if isinstance(x, np.ndarray):  # several inputs: the functional model checks each
            data.check_samples(x, names[0], self._sample_shape(), self._input_who, rows)
            data.check_finite(x, names[0])
        data.check_finite(y, names[1])
        out_shape = self._output_shape_for(x)
        if isinstance(self._loss_fn, losses_module.Loss) and out_shape is not None:
            self._loss_fn.check_targets(
                y, out_shape, y_name=names[1],
                pred_name=f"the model's predictions for `{names[0]}` of shape {x.shape}")
        if sample_weight is not None:
            data.check_finite(sample_weight, sw_name)
            data.check_sample_weight(sample_weight, y, sw_name)
        if class_weight is not None:
            outputs = out_shape[-1] if out_shape else 1
            cw = data.class_weights(class_weight, y, outputs, self._np_dtype)
            sample_weight = cw if sample_weight is None else sample_weight * cw
        return x, y, sample_weight

    def _door(self, x):
        """What ``_prepare_xy`` checked of ``y`` (argument 1 of the step) for array ``x``:
        ``(1, loss, prediction shape after the batch axis)``, or None (see
        ``TracedFunction.door`` in autodiff/plan.py)."""
        if not isinstance(x, np.ndarray) or not isinstance(self._loss_fn, losses_module.Loss):
            return None
        shape = self._output_shape_for(x)
        return None if shape is None else (1, self._loss_fn, tuple(shape[1:]))

    def _output_shape_for(self, x):
        """The predictions' shape for ``x`` (one output), computed without building; None
        when unknown (several inputs or outputs, a layer that cannot tell)."""
        if not isinstance(x, np.ndarray):
            return None
        try:
            shape = self.compute_output_shape((None,) + x.shape[1:])
        except Exception:  # a custom layer's compute_output_shape may not handle this shape
            return None
        if not isinstance(shape, tuple) or any(isinstance(d, (list, tuple)) for d in shape):
            return None
        return (len(x),) + tuple(shape[1:])

    def _sample_shape(self):
        """The shape of one input sample once built (None when the model is not built)."""
        shape = getattr(self, "_build_shape", None)
        return tuple(shape[1:]) if self.built and shape is not None else None

    def _input_who(self) -> str:
        layers = self.layers
        if self.built and layers:
            return f"layer '{layers[0].name}'"
        return f"model '{self.name}'"


def _check_validation_samples(x, val_x):
    """Refuse validation batches whose samples differ in shape from the training data's."""
    shapes = [np.shape(a)[1:] for a in getattr(x, "arrays", [x])]
    val_shapes = [np.shape(a)[1:] for a in getattr(val_x, "arrays", [val_x])]
    if shapes != val_shapes:
        raise InvalidArgumentError(
            f"Argument `validation_data` yields samples of shape {_join(val_shapes)}, but the "
            f"training data's are {_join(shapes)}: give it batches of the same features."
        )


def _join(shapes):
    return " and ".join(str(s) for s in shapes)


def _in_memory(arrays):
    """One batch given as memory-mapped arrays of another dtype, read in and converted."""
    return tuple(data.in_memory(a) for a in arrays)


def _refuse_arrays_with_source(y, sample_weight, validation_split):
    """A generator or dataset carries its own labels and weights (Keras's rule)."""
    for name, value in (("y", y), ("sample_weight", sample_weight)):
        if value is not None:
            raise InvalidArgumentError(
                f"Argument `{name}` must be None when `x` is a generator, dataset or PyDataset: "
                f"it yields `(x, y)` or `(x, y, sample_weight)` batches itself. Received: "
                f"{name} of type {type(value).__name__}"
            )
    if validation_split:
        raise InvalidArgumentError(
            "`validation_split` is only supported for NumPy arrays and array-likes, not for a "
            "generator, dataset or PyDataset. Pass `validation_data=` instead."
        )


def _non_finite_loss(err, cbs, epoch, step) -> float:
    """A batch's loss was NaN/inf and its update skipped: with TerminateOnNaN, report NaN and
    let it stop training (Keras's way); otherwise stop here, saying where and what to try."""
    if any(isinstance(cb, TerminateOnNaN) for cb in cbs.callbacks):
        return math.nan
    raise NonFiniteLossError(
        f"Training stopped at epoch {epoch + 1}, batch {step}: {err}. That batch's update was "
        "not applied, so the model keeps the weights of the last good step. Common causes: a "
        "learning rate too high, unscaled inputs, labels outside the loss's range. "
        "tinykeras.debugging.enable_check_numerics() names the first layer and op that "
        "produce a non-finite value."
    ) from None


def validation_data_str(value) -> str:
    """Describe a bad ``validation_data`` by its type and length."""
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"{validation.show(value)} of type {type(value).__name__}"


def _single_loss(loss):
    """The loss of a one-output model given as a one-element list or tuple (Keras's loss per
    output), unwrapped; a list of any other length is refused."""
    if not isinstance(loss, (list, tuple)):
        return loss
    if len(loss) != 1:
        raise InvalidArgumentError(
            f"`loss` is a list of {len(loss)} losses, but this model has one output: pass one "
            f"loss (loss={loss[0]!r} or loss=[{loss[0]!r}]), or build a functional model with "
            f"{len(loss)} outputs." if loss else
            "`loss` is an empty list, but this model has one output: pass one loss, for "
            "example loss='mse' or loss=['mse']."
        )
    return loss[0]


def _check_loss_weights(loss_weights):
    """Return the one loss weight as a float (or None), from a number, list or dict."""
    if loss_weights is None:
        return None
    weights = loss_weights
    if isinstance(weights, dict):
        weights = list(weights.values())
    if isinstance(weights, (list, tuple)):
        if len(weights) != 1:
            raise InvalidArgumentError(
                "This model has one output, so `loss_weights` must have one entry. "
                f"Received: loss_weights={loss_weights}"
            )
        weights = weights[0]
    return validation.check_float("loss_weights", weights, low=0.0)


def _check_metrics(name, metrics) -> list:
    """Return the metric identifiers as a list, each resolvable (misspelt names refused now,
    not at the first batch); "accuracy" stays a name, resolved from the data's shapes."""
    if metrics is None:
        return []
    if isinstance(metrics, dict):
        metrics = list(metrics.values())
    if not isinstance(metrics, (list, tuple)):
        raise InvalidArgumentError(
            f"Expected `{name}` to be a list. Received: {name}={metrics!r} of type "
            f"{type(metrics).__name__}. Wrap it in a list: {name}=[{metrics!r}]"
        )
    for ident in metrics:
        if isinstance(ident, str) and ident.lower() in ("accuracy", "acc"):
            continue
        metrics_module.get(ident)  # raises for an unknown one; the instance is made later
    return list(metrics)


def _log_names(names, num_unweighted):
    """Keras's log keys for the compiled metrics: a repeated name gets ``_1``, ``_2``...; a
    weighted metric whose name is taken becomes ``weighted_<name>``."""
    seen, out = {}, []
    for i, name in enumerate(names):
        if name in seen and i >= num_unweighted:
            name = f"weighted_{name}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name] - 1}"
        else:
            seen[name] = 1
        out.append(name)
    return out
