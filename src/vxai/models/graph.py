"""Sub-models for explanations: class logits and activations of a named layer."""

import keras

from vxai.errors import UserError


def spatial_layers(model):
    """Names of layers whose output keeps spatial axes (n, *spatial, channels)."""
    rank = len(model.input_shape)
    return [
        layer.name
        for layer in model.layers
        if not isinstance(layer, keras.layers.InputLayer)
        and len(layer.output.shape) == rank
    ]


def resolve_layer(model, name=None):
    """The named spatial layer, or by default the last one; unknown names list the choices."""
    choices = spatial_layers(model)
    if not choices:
        raise UserError(f"model '{model.name}' has no layer with a spatial output to explain")
    if name is None:
        return model.get_layer(choices[-1])
    if name not in choices:
        raise UserError(
            f"layer '{name}' is not a spatial layer of model '{model.name}'; "
            f"choose one of: {', '.join(choices)}"
        )
    return model.get_layer(name)


def logits_tensor(model):
    """The symbolic pre-softmax output of a functional model."""
    last = model.layers[-1]
    if isinstance(last, keras.layers.Activation) or isinstance(last, keras.layers.Softmax):
        return last.input
    activation = getattr(last, "activation", None)
    if activation is None or keras.activations.serialize(activation) in ("linear", None):
        return model.output
    if keras.activations.serialize(activation) != "softmax":
        raise UserError(
            f"the last layer '{last.name}' of model '{model.name}' ends in "
            f"{keras.activations.serialize(activation)}; expected softmax or linear logits"
        )
    config = dict(last.get_config(), activation="linear", name=f"{last.name}_logits")
    linear = last.__class__.from_config(config)
    logits = linear(last.input)
    linear.set_weights(last.get_weights())
    return logits


def scored_model(model, score):
    """The model itself (its class probabilities) for score "probability", or a model of its
    class logits for "logit"; `score` names the method parameter in errors."""
    if score == "probability":
        return model
    if score == "logit":
        return keras.Model(model.input, logits_tensor(model))
    raise UserError(f"score must be 'probability' or 'logit', got {score!r}")


def activations_and_logits(model, layer_name=None):
    """A model mapping inputs to (activations of the target layer, class logits)."""
    layer = resolve_layer(model, layer_name)
    return keras.Model(model.input, [layer.output, logits_tensor(model)])


def head_after(model, layer_name):
    """A model from the named layer's output to the class logits (the layers after it)."""
    layer = model.get_layer(layer_name)
    try:
        return keras.Model(layer.output, logits_tensor(model))
    except ValueError as err:
        raise UserError(
            f"cannot cut model '{model.name}' after layer '{layer_name}' ({err}); "
            "choose a layer whose output alone feeds the rest of the network"
        ) from None


# layers after a CAM target layer that keep the class logit linear in its activations
LINEAR_HEAD = (keras.layers.GlobalAveragePooling1D, keras.layers.GlobalAveragePooling2D,
               keras.layers.Flatten, keras.layers.Reshape, keras.layers.Dropout,
               keras.layers.InputLayer)


def check_linear_head(model, layer, method):
    """Stop unless every layer after `layer` up to the logits is linear (pooling by
    averaging, flattening, dropout, linear Dense), naming `method` and the first layer that
    is not."""
    for part in head_after(model, layer).layers:
        linear_dense = isinstance(part, keras.layers.Dense) and (
            keras.activations.serialize(part.activation) in ("linear", None))
        if not (linear_dense or isinstance(part, LINEAR_HEAD)):
            raise UserError(
                f"{method}: layer '{part.name}' ({type(part).__name__}) after the target layer "
                f"'{layer}' of model '{model.name}' is not linear, so the class logit does not "
                "split over positions; choose a later layer (for example the last pooling "
                "layer) or use gradcam")
