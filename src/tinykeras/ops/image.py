"""``tinykeras.ops.image``: out of scope. Image ops (resize, affine transforms, crops...) are
not part of a dense-network library; every ``keras.ops.image`` name here raises
``NotImplementedError`` saying so."""

_NAMES = ("affine_transform", "crop_images", "elastic_transform", "extract_patches",
          "extract_patches_3d", "gaussian_blur", "hsv_to_rgb", "map_coordinates", "pad_images",
          "perspective_transform", "resize", "rgb_to_grayscale", "rgb_to_hsv",
          "scale_and_translate", "sobel_edges", "ssim")


def _refuse(name):
    def refuse(*args, **kwargs):
        raise NotImplementedError(
            f"`ops.image.{name}` is not available in tinykeras: image ops are out of scope "
            "(tinykeras covers dense networks). Use Keras itself for models that need them."
        )

    refuse.__name__ = refuse.__qualname__ = name
    refuse.__doc__ = "Out of scope in tinykeras: image ops."
    refuse.out_of_scope = "image ops are out of scope (tinykeras covers dense networks)"
    return refuse


globals().update({name: _refuse(name) for name in _NAMES})
