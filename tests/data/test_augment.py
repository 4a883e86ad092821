"""Augmentation: geometry against scipy.ndimage and np.rot90, seeded draws, recognizability."""

import itertools

import numpy as np
import pytest

from netopt.data import (
    Compose,
    DataLoader,
    GaussianNoise,
    RandomRotation2d,
    RandomScale1d,
    RandomShift1d,
    RandomShift2d,
    TensorDataset,
    load_digits,
    rotate_images,
    shift_images,
)

ATOL = 1e-12  # float64 geometry vs scipy: same bilinear weights, different rounding


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    """Pin BLAS to one thread: scikit-learn fits on shared cores run 30x faster, identically."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def test_rotation_equals_scipy_and_rot90():
    ndimage = pytest.importorskip("scipy.ndimage")
    rng = np.random.default_rng(0)
    for shape, fill in (((8, 8), 0.0), ((7, 5), 0.3)):
        x = rng.random((12, *shape))
        degrees = rng.uniform(-180, 180, 12)
        ours = rotate_images(x, degrees, shape, fill=fill)
        ref = np.stack(
            [
                ndimage.rotate(img, a, reshape=False, order=1, mode="grid-constant", cval=fill)
                for img, a in zip(x, degrees, strict=True)
            ]
        )
        np.testing.assert_allclose(ours, ref, atol=ATOL)
    square = rng.random((3, 6, 6))
    for k in (-1, 1, 2):  # quarter turns are exact permutations, counter-clockwise for k > 0
        turned = rotate_images(square, np.full(3, 90.0 * k), (6, 6))
        np.testing.assert_allclose(turned, np.rot90(square, k, axes=(1, 2)), atol=ATOL)


def test_shift_equals_scipy_for_whole_pixels():
    ndimage = pytest.importorskip("scipy.ndimage")
    rng = np.random.default_rng(1)
    x = rng.random((12, 64))
    shifts = rng.integers(-3, 4, (12, 2))
    ours = shift_images(x, shifts, (8, 8), fill=0.5)
    ref = np.stack(
        [
            ndimage.shift(img.reshape(8, 8), s, order=0, mode="constant", cval=0.5).ravel()
            for img, s in zip(x, shifts, strict=True)
        ]
    )
    np.testing.assert_array_equal(ours, ref)


@pytest.mark.parametrize(
    "transform",
    [
        GaussianNoise(0.1),
        GaussianNoise(0.2, clip=(0.0, 1.0)),
        RandomShift2d(2),
        RandomRotation2d(15),
        Compose([RandomShift2d(1), RandomRotation2d(10), GaussianNoise(0.05)]),
    ],
)
@pytest.mark.parametrize("layout", [(64,), (8, 8)])
def test_image_transforms_keep_shape_dtype_and_are_seeded(transform, layout):
    x = np.random.default_rng(2).random((16, *layout)).astype(np.float32)
    a = transform(x, np.random.default_rng(7))
    b = transform(x, np.random.default_rng(7))
    c = transform(x, np.random.default_rng(8))
    assert a.shape == x.shape and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert not np.array_equal(a, x)


def test_zero_strength_transforms_are_identities():
    x = np.random.default_rng(3).random((5, 64))
    rng = np.random.default_rng(0)
    for t in (GaussianNoise(0.0), RandomShift2d(0), RandomRotation2d(0.0), RandomShift1d(0)):
        np.testing.assert_allclose(t(x, rng), x, atol=ATOL)
    np.testing.assert_array_equal(RandomScale1d(1.0, 1.0)(x, rng), x)


def test_random_shift2d_draws_documented_offsets():
    x = np.random.default_rng(4).random((20, 64))
    out = RandomShift2d(2)(x, np.random.default_rng(9))
    offsets = np.random.default_rng(9).integers(-2, 3, size=(20, 2))  # the documented draw
    np.testing.assert_array_equal(out, shift_images(x, offsets))


def test_noise_statistics_and_clip():
    x = np.full((200, 500), 0.5)
    noisy = GaussianNoise(0.2)(x, np.random.default_rng(5))
    assert abs((noisy - x).std() / 0.2 - 1) < 0.01  # 1e5 draws: std error ~0.2%
    clipped = GaussianNoise(1.0, clip=(0.0, 1.0))(x, np.random.default_rng(5))
    assert clipped.min() == 0.0 and clipped.max() == 1.0


def test_signal_shift_and_scale():
    x = np.random.default_rng(6).random((30, 40))
    wrapped = RandomShift1d(3)(x, np.random.default_rng(0))
    for row, out in zip(x, wrapped, strict=True):
        assert any(np.array_equal(np.roll(row, s), out) for s in range(-3, 4))
    padded = RandomShift1d(3, mode="constant", fill=-1.0)(x, np.random.default_rng(0))
    shifts = np.random.default_rng(0).integers(-3, 4, size=30)
    for row, out, s in zip(x, padded, shifts, strict=True):
        expected = np.full(40, -1.0)
        if s >= 0:
            expected[s:] = row[: 40 - s]
        else:
            expected[:s] = row[-s:]
        np.testing.assert_array_equal(out, expected)
    scaled = RandomScale1d(0.5, 2.0)(x, np.random.default_rng(1))
    ratio = scaled / x
    np.testing.assert_allclose(ratio, ratio[:, :1] * np.ones((1, 40)), rtol=1e-12)
    assert np.all((ratio[:, 0] >= 0.5) & (ratio[:, 0] < 2.0))


def test_compose_chains_with_one_generator():
    x = np.random.default_rng(7).random((4, 64))
    steps = [RandomShift2d(1), GaussianNoise(0.1)]
    rng = np.random.default_rng(3)
    by_hand = steps[1](steps[0](x, rng), rng)
    np.testing.assert_array_equal(Compose(steps)(x, np.random.default_rng(3)), by_hand)


def test_loader_applies_augmentation_to_inputs_only(digits):
    ds = TensorDataset(digits.x_test, digits.y_test)
    loader = DataLoader(
        ds, batch_size=64, rng=np.random.default_rng(0), transform=RandomRotation2d(10)
    )
    batches = list(loader)
    xs = np.concatenate([x.data for x, _ in batches])
    assert xs.shape == digits.x_test.shape and xs.dtype == np.float32
    assert not np.array_equal(xs, digits.x_test)
    np.testing.assert_array_equal(np.concatenate([y.data for _, y in batches]), digits.y_test)


def test_augmented_digits_stay_recognizable(digits):
    # Threshold: a transform that keeps the digit legible costs a fixed classifier only a
    # few points. Noise (std 0.1 on [0, 1] pixels) and rotations up to 10 degrees are judged
    # by a logistic regression trained on clean digits (clean accuracy ~0.97): within 3
    # points. A linear model is not translation invariant (one pixel is 1/8 of the image), so
    # shifts are judged by 1-nearest-neighbour over the training digits in all nine
    # one-pixel positions: within 2 points of its clean accuracy.
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier

    x_tr, y_tr, x_te, y_te = digits.x_train, digits.y_train, digits.x_test, digits.y_test
    linear = LogisticRegression(max_iter=2000).fit(x_tr, y_tr)
    clean = linear.score(x_te, y_te)
    for transform in (GaussianNoise(0.1), RandomRotation2d(10)):
        augmented = linear.score(transform(x_te, np.random.default_rng(0)), y_te)
        assert augmented > clean - 0.03, (transform, clean, augmented)
    offsets = np.array(list(itertools.product([-1, 0, 1], repeat=2)))
    x_all = np.concatenate([shift_images(x_tr, np.tile(o, (len(x_tr), 1))) for o in offsets])
    knn = KNeighborsClassifier(1).fit(x_all, np.tile(y_tr, len(offsets)))
    clean = knn.score(x_te, y_te)
    shifted = knn.score(RandomShift2d(1)(x_te, np.random.default_rng(0)), y_te)
    assert shifted > clean - 0.02, (clean, shifted)


X8 = np.zeros((2, 64))
ERRORS = [
    (GaussianNoise, dict(std=-1.0), ValueError, "std"),
    (GaussianNoise, dict(std=float("inf")), ValueError, "finite"),
    (GaussianNoise, dict(std=0.1, clip=(1.0, 0.0)), ValueError, "clip"),
    (RandomShift2d, dict(max_shift=1.5), ValueError, "max_shift"),
    (RandomShift2d, dict(image_shape=(8,)), ValueError, "image_shape"),
    (RandomRotation2d, dict(max_degrees=-5), ValueError, "max_degrees"),
    (RandomRotation2d, dict(fill=float("nan")), ValueError, "fill"),
    (RandomShift1d, dict(max_shift=2, mode="reflect"), ValueError, "reflect"),
    (RandomScale1d, dict(low=2.0, high=1.0), ValueError, "low"),
    (Compose, dict(transforms=[GaussianNoise(0.1), "flip"]), TypeError, "transform 1"),
    (shift_images, dict(x=X8, shifts=np.zeros((3, 2), int)), ValueError, r"\(2, 2\)"),
    (shift_images, dict(x=np.zeros((2, 63)), shifts=np.zeros((2, 2), int)), ValueError, "8x8"),
    (rotate_images, dict(x=X8, degrees=[np.nan, 0.0]), ValueError, "finite"),
    (rotate_images, dict(x=X8.astype(int), degrees=[0.0, 0.0]), TypeError, "float"),
    (RandomShift1d(1), dict(x_batch=np.zeros((2, 3, 4)), rng=None), ValueError, r"\(B, L\)"),
    (GaussianNoise(0.1), dict(x_batch=np.zeros(3), rng=None), ValueError, "batch axis"),
]


@pytest.mark.parametrize(("fn", "kwargs", "exc", "match"), ERRORS)
def test_bad_input_raises(fn, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fn(**kwargs)
