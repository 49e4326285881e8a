"""The functional API: ``Model(inputs, outputs)`` over layers, towers and facade functions."""

import json

import numpy as np
import pytest

import tinykeras as tf
from tinykeras.layers import Add, Concatenate, Dense, Dot, Input, Lambda
from tinykeras.models import Model, Sequential
from tinykeras.models.functional import Functional
from tinykeras.utils.gradient_check import check_gradients, numerical_gradient, relative_error


def _recommender(user_features=14, item_features=16, outputs=32):
    user_nn = Sequential([Dense(64, activation="relu"), Dense(outputs)])
    item_nn = Sequential([Dense(64, activation="relu"), Dense(outputs)])
    input_user = tf.keras.layers.Input(shape=(user_features))  # a bare int, as in Keras 2
    vu = tf.linalg.l2_normalize(user_nn(input_user), axis=1)
    input_item = tf.keras.layers.Input(shape=(item_features))
    vm = tf.linalg.l2_normalize(item_nn(input_item), axis=1)
    output = Dot(axes=1)([vu, vm])
    return Model([input_user, input_item], output), user_nn, item_nn


def test_two_tower_model_builds_trains_evaluates_and_predicts():
    model, user_nn, item_nn = _recommender()
    assert type(model) is Functional and isinstance(model, Model)
    assert [la.output.shape.as_list() for la in user_nn.layers] == [[None, 64], [None, 32]]
    assert model.output.shape.as_list() == [None, 1]
    assert [t.shape.as_list() for t in model.input] == [[None, 14], [None, 16]]
    rng = np.random.default_rng(0)
    u, i = rng.random((256, 14)), rng.random((256, 16))
    y = (u[:, :1] * i[:, :1]).astype(np.float32)
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.01),
                  loss=tf.keras.losses.MeanSquaredError())
    before = model.evaluate([u, i], y, verbose=0)
    history = model.fit([u, i], y, epochs=15, verbose=0)
    after = model.evaluate([u, i], y, verbose=0)
    assert after < 0.5 * before and len(history.history["loss"]) == 15
    pred = model.predict([u[:5], i[:5]])
    assert pred.shape == (5, 1) and pred.dtype == np.float32
    assert np.all(np.abs(pred) <= 1 + 1e-6)  # a cosine similarity
    # The trained item tower serves alone in a second model, sharing its weights.
    item_in = Input(shape=(16,))
    model_m = Model(item_in, tf.linalg.l2_normalize(item_nn(item_in), axis=1))
    vecs = model_m.predict(i[:7])
    assert vecs.shape == (7, 32)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, rtol=1e-5)


def test_model_call_matches_composing_the_layers_by_hand():
    a, b = Input(shape=(3,)), Input(shape=(2,))
    d1, d2 = Dense(4, activation="tanh"), Dense(1)
    h = Concatenate()([d1(a), b])
    model = Model(inputs=[a, b], outputs=d2(Add()([h, h])))
    xa, xb = np.random.default_rng(2).random((5, 3)), np.random.default_rng(3).random((5, 2))
    hand = d2(2 * np.concatenate([d1(xa).numpy(), xb], axis=1)).numpy()
    np.testing.assert_allclose(model([xa, xb]).numpy(), hand, rtol=1e-6)
    np.testing.assert_allclose(model.predict([xa, xb]), hand, rtol=1e-6)


def test_functional_gradients_match_finite_differences():
    tf.keras.backend.set_floatx("float64")
    x_in = Input(shape=(3,))
    d = Dense(2, activation="sigmoid")
    out = Dot(axes=1)([d(x_in), tf.nn.softmax(Dense(2)(x_in))])
    model = Model(x_in, out)
    x = np.random.default_rng(4).normal(size=(4, 3))
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(model(x))
    grads = tape.gradient(total, model.trainable_variables)
    for var, grad in zip(model.trainable_variables, grads):
        numeric = numerical_gradient(lambda v, var=var: _with_value(var, v, model, x), var.numpy())
        assert relative_error(grad.numpy(), numeric) < 1e-6, var.path


def _with_value(var, value, model, x):
    saved = var.numpy()
    var.assign(value)
    try:
        return model(x).numpy()
    finally:
        var.assign(saved)


def test_summary_get_layer_and_layers_include_inputs():
    model, user_nn, _ = _recommender()
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "(Sequential)" in text and "dot (Dot)" in text and "(None, 1)" in text
    assert f"{model.count_params():,}" in text
    assert model.get_layer("dot").__class__ is Dot
    assert model.get_layer(user_nn.name) is user_nn
    assert type(model.layers[0]).__name__ == "InputLayer"


def test_multiple_outputs_predict_as_a_list():
    x = Input(shape=(3,))
    h = Dense(4, activation="relu")(x)
    model = Model(x, [Dense(1)(h), Dense(2, activation="softmax")(h)])
    out = model.predict(np.ones((40, 3)), batch_size=16)
    assert [o.shape for o in out] == [(40, 1), (40, 2)]


def test_multiple_outputs_train_on_the_weighted_sum_of_their_losses():
    x = Input(shape=(3,))
    h = Dense(8, activation="relu")(x)
    reg, cls = Dense(1, name="reg")(h), Dense(3, activation="softmax", name="cls")(h)
    model = Model(x, [reg, cls])
    rng = np.random.default_rng(8)
    X = rng.normal(size=(96, 3)).astype(np.float32)
    y_reg, y_cls = X[:, :1] * 2.0, np.argmax(X, axis=1)
    model.compile(optimizer=tf.keras.optimizers.Adam(0.02),
                  loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                  loss_weights=[1.0, 0.5])
    assert model.loss == {"reg": "mse", "cls": "sparse_categorical_crossentropy"}
    p_reg, p_cls = model.predict(X)
    expected = np.mean((p_reg - y_reg) ** 2) + 0.5 * np.mean(
        -np.log(p_cls[np.arange(96), y_cls]))
    # As Keras 3: the weighted total, then each output's own (unweighted) loss.
    total, reg_loss, cls_loss = model.evaluate(X, [y_reg, y_cls], verbose=0)
    assert total == pytest.approx(expected, rel=1e-4)
    assert reg_loss == pytest.approx(np.mean((p_reg - y_reg) ** 2), rel=1e-4)
    assert total == pytest.approx(reg_loss + 0.5 * cls_loss, rel=1e-5)
    history = model.fit(X, [y_reg, y_cls], epochs=30, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    with pytest.raises(ValueError, match="3 entries for 2 outputs"):
        model.compile(loss=["mse"] * 3)
    before = model.evaluate(X, [y_reg, y_cls], verbose=0)
    with pytest.raises(ValueError, match="metrics per output"):
        model.compile(loss="mse", metrics=["mae"])
    assert model.evaluate(X, [y_reg, y_cls], verbose=0) == before  # the refusal changed nothing


def test_metrics_per_output_are_logged_under_the_output_names():
    x = Input(shape=(3,))
    h = Dense(8, activation="relu")(x)
    model = Model(x, [Dense(1, name="reg")(h), Dense(3, activation="softmax", name="cls")(h)])
    rng = np.random.default_rng(9)
    X = rng.normal(size=(64, 3)).astype(np.float32)
    y_reg, y_cls = X[:, :1] * 2.0, np.argmax(X, axis=1)
    model.compile(optimizer="adam", loss=["mse", "sparse_categorical_crossentropy"],
                  metrics={"reg": "mae", "cls": ["accuracy"]})
    history = model.fit(X, [y_reg, y_cls], epochs=2, batch_size=16, verbose=0,
                        validation_data=(X, [y_reg, y_cls]))
    assert sorted(history.history) == sorted(
        ["loss", "reg_loss", "cls_loss", "reg_mae", "cls_accuracy"]
        + ["val_loss", "val_reg_loss", "val_cls_loss", "val_reg_mae", "val_cls_accuracy"])
    logs = model.evaluate(X, [y_reg, y_cls], verbose=0, return_dict=True)
    p_reg, p_cls = model.predict(X, verbose=0)
    assert logs["reg_mae"] == pytest.approx(np.mean(np.abs(p_reg - y_reg)), rel=1e-5)
    assert logs["cls_accuracy"] == pytest.approx(np.mean(np.argmax(p_cls, 1) == y_cls))
    assert logs == pytest.approx(history.history and {
        k[4:]: v[-1] for k, v in history.history.items() if k.startswith("val_")}, rel=1e-5)
    assert model.metrics_names == ["loss", "reg_loss", "cls_loss", "reg_mae", "cls_accuracy"]
    with pytest.raises(ValueError, match="unknown outputs"):
        model.compile(loss="mse", metrics={"nope": ["mae"]})


def test_a_dict_of_outputs_runs_in_sorted_key_order_and_answers_by_key():
    # As Keras 3: the outputs run and log by their keys (sorted), not the layers' names.
    x = Input(shape=(3,))
    h = Dense(8, activation="relu")(x)
    model = Model(x, {"zeta": Dense(1, name="reg")(h),
                      "alpha": Dense(3, activation="softmax", name="cls")(h)})
    assert list(model.output) == ["alpha", "zeta"]
    assert [t.layer.name for t in model.outputs] == ["cls", "reg"]
    rng = np.random.default_rng(10)
    X = rng.normal(size=(64, 3)).astype(np.float32)
    y = {"zeta": X[:, :1] * 2.0, "alpha": np.argmax(X, axis=1)}
    model.compile(optimizer="adam", metrics={"zeta": "mae"},
                  loss={"zeta": "mse", "alpha": "sparse_categorical_crossentropy"})
    history = model.fit(X, y, epochs=2, batch_size=16, verbose=0)
    assert sorted(history.history) == ["alpha_loss", "loss", "zeta_loss", "zeta_mae"]
    pred = model.predict(X, verbose=0)
    assert {k: v.shape for k, v in pred.items()} == {"alpha": (64, 3), "zeta": (64, 1)}
    called = model(X[:4])
    assert sorted(called) == ["alpha", "zeta"]
    np.testing.assert_allclose(called["zeta"].numpy(), pred["zeta"][:4], rtol=1e-6)
    logs = model.evaluate(X, y, verbose=0, return_dict=True)
    assert logs["zeta_mae"] == pytest.approx(np.mean(np.abs(pred["zeta"] - y["zeta"])), rel=1e-5)
    # Keras's list order: the loss, each output's loss in the order of the `loss` dict's keys.
    as_list = model.evaluate(X, y, verbose=0)
    assert as_list == pytest.approx([logs[k] for k in ("loss", "zeta_loss", "alpha_loss",
                                                       "zeta_mae")], rel=1e-6)
    clone = Model.from_config(json.loads(json.dumps(model.get_config())))
    clone.set_weights(model.get_weights())
    assert model.get_config()["output_layers"] == {"alpha": ["cls", 0, 0], "zeta": ["reg", 0, 0]}
    np.testing.assert_allclose(clone.predict(X, verbose=0)["alpha"], pred["alpha"], rtol=1e-6)


def test_targets_may_be_a_dict_by_output_name():
    x = Input(shape=(3,))
    model = Model(x, [Dense(1, name="reg")(x), Dense(2, name="two")(x)])
    model.compile(optimizer="sgd", loss="mse")
    X = np.random.default_rng(11).normal(size=(8, 3))
    ys = [X[:, :1], X[:, 1:]]
    assert model.evaluate(X, {"two": ys[1], "reg": ys[0]}, verbose=0) == pytest.approx(
        model.evaluate(X, ys, verbose=0))
    with pytest.raises(ValueError, match=r"output names \['reg', 'two'\]. Received keys: "
                                         r"\['reg', 'tw'\]"):
        model.fit(X, {"reg": ys[0], "tw": ys[1]}, verbose=0)
    with pytest.raises(ValueError, match="maps output names"):
        Model(x, {1: Dense(1)(x)})


def test_config_round_trip_rebuilds_the_same_graph():
    a, b = Input(shape=(3,)), Input(shape=(2,))
    h = Concatenate()([Dense(4, activation="relu")(a), b])
    model = Model([a, b], Dense(1)(Add()([h, h])))
    config = json.loads(json.dumps(model.get_config()))
    clone = Model.from_config(config)
    clone.set_weights(model.get_weights())
    x = [np.random.default_rng(5).random((6, 3)), np.random.default_rng(6).random((6, 2))]
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-6)
    assert [la.name for la in clone.layers] == [la.name for la in model.layers]


def test_disconnected_graph_and_wrong_input_count_are_refused():
    a, b = Input(shape=(3,)), Input(shape=(3,))
    out = Dense(1)(b)
    with pytest.raises(ValueError, match="Graph disconnected"):
        Model(a, out)
    model = Model([a, b], Add()([Dense(1)(a), out]))
    with pytest.raises(ValueError, match="expects 2 inputs"):
        model.predict(np.ones((2, 3)))
    with pytest.raises(ValueError, match="incompatible"):
        model.predict([np.ones((2, 3)), np.ones((2, 4))])


def test_merge_layers_and_lambda_eagerly():
    x1, x2 = np.array([[1.0, 2.0]]), np.array([[3.0, 5.0]])
    np.testing.assert_allclose(Dot(axes=1)([x1, x2]).numpy(), [[13.0]])
    np.testing.assert_allclose(Dot(axes=-1, normalize=True)([x1, x1]).numpy(), [[1.0]],
                               rtol=1e-6)
    np.testing.assert_allclose(Add()([x1, x2]).numpy(), [[4.0, 7.0]])
    np.testing.assert_allclose(Concatenate()([x1, x2]).numpy(), [[1, 2, 3, 5]])
    np.testing.assert_allclose(Lambda(lambda t: t * 3)(x1).numpy(), [[3.0, 6.0]])
    with pytest.raises(ValueError, match="list of at least 2"):
        Add()(x1)
    with pytest.raises(ValueError, match="matching shapes"):
        Add()([Input(shape=(2,)), Input(shape=(3,))])


def test_dot_gradient_matches_finite_differences():
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    layer = Dot(axes=1, normalize=True, dtype="float64")
    errors = check_gradients(lambda p, q: layer([p, q]) * 2.0, a, b)
    assert max(errors) < 1e-6, errors


def test_shared_layers_and_nested_models_run_train_and_round_trip():
    shared = Dense(3, activation="tanh", name="shared")
    a, b = Input(shape=(4,)), Input(shape=(4,))
    model = Model([a, b], Dense(1)(Add()([shared(a), shared(b)])))
    assert len(model.weights) == 4  # the shared layer's weights count once
    x = [np.random.default_rng(9).random((5, 4)), np.random.default_rng(10).random((5, 4))]
    clone = Model.from_config(json.loads(json.dumps(model.get_config())))
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-6)
    inner_in = Input(shape=(4,))
    inner = Model(inner_in, Dense(2)(inner_in), name="inner")
    outer_in = Input(shape=(4,))
    outer = Model(outer_in, Dense(1)(inner(outer_in)))
    assert [la.name for la in outer.layers][1] == "inner"
    clone = Model.from_config(json.loads(json.dumps(outer.get_config())))
    clone.set_weights(outer.get_weights())
    np.testing.assert_allclose(clone.predict(x[0]), outer.predict(x[0]), rtol=1e-6)
    outer.compile(loss="mse", optimizer=tf.keras.optimizers.Adam(0.05))
    history = outer.fit(x[0], x[0][:, :1], epochs=20, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
