#!/usr/bin/python3
"""fixtures.py — tensor files and calibration datasets for the loader tests.

    /usr/bin/python3 fixtures.py make DIR       write every fixture into DIR
    /usr/bin/python3 fixtures.py verify DIR     check the fixtures are what
                                                 their names claim (lit test)
    /usr/bin/python3 fixtures.py written DIR    check the .npy files the C test
                                                 wrote into DIR/written

Expected values come from NumPy, ONNX's numpy_helper, Pillow and torch (the
independent side): each fixture NAME has NAME.bin beside it holding the
expected tensor as packed little-endian C-order bytes, which the C test
compares without going through the code under test.

The models the C test builds (tests/unit/test_tensorio.c):
  X    one input  x: f32[1,3,2,2]        (.npy, .npz, error cases)
  AB   two inputs a: f32[1,2], b: i64[3] (test_data_set_*, .npz)
  IMG  one input  x: f32[1,3,4,5]        (images; also NHWC f32[1,4,5,3])
"""
import math
import os
import struct
import sys
import zipfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

IMG_H, IMG_W = 4, 5


def save(path, arr):
    """The expected bytes of arr, beside its fixture."""
    np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder('<')).tofile(path + '.bin')


def pb(path, tensor):
    with open(path, 'wb') as f:
        f.write(tensor.SerializeToString())


# ---- tensor files --------------------------------------------------------------

DTYPES = ['f2', 'f4', 'f8', 'i1', 'u1', 'i2', 'u2', 'i4', 'u4', 'i8', 'u8',
          'b1', 'c8', 'c16']


def values(code, shape):
    n = int(np.prod(shape))
    k = np.arange(n)
    if code == 'b1':
        return (k % 3 == 0).reshape(shape)
    if code[0] == 'u':
        return (k * 37 % 251).astype('<' + code).reshape(shape)
    if code[0] == 'i':
        return ((k * 37 % 251) - 125).astype('<' + code).reshape(shape)
    if code[0] == 'c':
        return (k * 0.5 - 1 + 1j * (k - 0.25)).astype('<' + code).reshape(shape)
    return (k * 0.375 - 2.5).astype('<' + code).reshape(shape)


def npyfiles(d):
    os.makedirs(d)
    for code in DTYPES:
        arr = values(code, (2, 3))
        np.save(f'{d}/{code}.npy', arr)
        save(f'{d}/{code}.npy', arr)
    a = values('f4', (3, 1, 2))
    for v in (2, 3):
        with open(f'{d}/v{v}.npy', 'wb') as f:
            np.lib.format.write_array(f, a, version=(v, 0))
        save(f'{d}/v{v}.npy', a)
    np.save(f'{d}/scalar.npy', np.float64(6.25))
    save(f'{d}/scalar.npy', np.array(6.25))
    np.save(f'{d}/empty.npy', np.zeros((0, 3), np.float32))
    np.save(f'{d}/fortran.npy', np.asfortranarray(values('f4', (2, 3))))
    np.save(f'{d}/bigendian.npy', values('f4', (2, 3)).astype('>f4'))
    np.save(f'{d}/unicode.npy', np.array(['abc', 'de']))
    np.save(f'{d}/structured.npy', np.zeros(2, dtype=[('a', '<f4'), ('b', '<i4')]))
    with open(f'{d}/f4.npy', 'rb') as f:
        whole = f.read()
    with open(f'{d}/truncated.npy', 'wb') as f:
        f.write(whole[:-4])		# 20 of f32[2,3]'s 24 bytes
    with open(f'{d}/trailing.npy', 'wb') as f:
        f.write(whole + b'\0\0\0\0')
    with open(f'{d}/truncheader.npy', 'wb') as f:
        f.write(whole[:40])
    with open(f'{d}/badversion.npy', 'wb') as f:
        f.write(whole[:6] + b'\x07\x00' + whole[8:])
    # a header claiming 2**40 x 2**40 elements
    head = "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }"
    head += ' ' * (63 - (10 + len(head)) % 64) + '\n'
    with open(f'{d}/huge.npy', 'wb') as f:
        f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(head)) + head.encode() + b'\0' * 16)
    # keys in another order, Python-2 long suffixes, double quotes
    head = '{"shape": (2L, 3L), "fortran_order": False, "descr": "<i4"}'
    head += ' ' * (63 - (10 + len(head)) % 64) + '\n'
    arr = values('i4', (2, 3))
    with open(f'{d}/oddheader.npy', 'wb') as f:
        f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(head)) + head.encode() + arr.tobytes())
    save(f'{d}/oddheader.npy', arr)
    with open(f'{d}/garbage.bin', 'wb') as f:
        f.write(b'\xff\xfe\xfd garbage, neither npy nor protobuf \x00\x01')


PBTYPES = {  # onnx type, numpy code
    'f32': (TensorProto.FLOAT, 'f4'), 'f64': (TensorProto.DOUBLE, 'f8'),
    'f16': (TensorProto.FLOAT16, 'f2'), 'i8': (TensorProto.INT8, 'i1'),
    'u8': (TensorProto.UINT8, 'u1'), 'i16': (TensorProto.INT16, 'i2'),
    'u16': (TensorProto.UINT16, 'u2'), 'i32': (TensorProto.INT32, 'i4'),
    'u32': (TensorProto.UINT32, 'u4'), 'i64': (TensorProto.INT64, 'i8'),
    'u64': (TensorProto.UINT64, 'u8'), 'bool': (TensorProto.BOOL, 'b1'),
}


def pbfiles(d):
    os.makedirs(d)
    for name, (ty, code) in PBTYPES.items():
        arr = values(code, (3, 2))
        # raw_data, as numpy_helper writes it
        pb(f'{d}/raw_{name}.pb', numpy_helper.from_array(arr, 'raw_' + name))
        save(f'{d}/raw_{name}.pb', arr)
        # the typed field of the element type
        vals = arr.flatten().tolist() if code != 'f2' else arr.flatten()
        pb(f'{d}/typed_{name}.pb', helper.make_tensor('typed_' + name, ty, [3, 2], vals))
        save(f'{d}/typed_{name}.pb', arr)
    t = TensorProto(name='short', data_type=TensorProto.FLOAT, dims=[2, 3], raw_data=b'\0' * 20)
    pb(f'{d}/short.pb', t)
    t = helper.make_tensor('s', TensorProto.STRING, [1], [b'hello'])
    pb(f'{d}/string.pb', t)
    t = TensorProto()
    t.dims.extend([2])
    t.raw_data = b'\0' * 8
    pb(f'{d}/notype.pb', t)
    t = numpy_helper.from_array(values('f4', (2, 2)), 'ext')
    t.data_location = TensorProto.EXTERNAL
    pb(f'{d}/external.pb', t)


def npzfiles(d):
    os.makedirs(d)
    a = values('f4', (4, 1, 2))
    b = values('i8', (4, 3))
    np.savez(f'{d}/stored.npz', a=a, b=b)
    np.savez_compressed(f'{d}/deflated.npz', a=a, b=b)
    save(f'{d}/a', a)
    save(f'{d}/b', b)
    np.savez(f'{d}/positional.npz', a, b)	# arr_0, arr_1
    np.savez(f'{d}/rankeq.npz', a=a.reshape(4, 2), b=b)	# a as [S,2] for f32[1,2]
    # a directory entry and a non-array member are skipped
    with zipfile.ZipFile(f'{d}/extra.npz', 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('docs/', b'')
        z.writestr('README.txt', b'not an array')
        with z.open('a.npy', 'w') as f:
            np.lib.format.write_array(f, a)
        with z.open('b.npy', 'w') as f:
            np.lib.format.write_array(f, b)
    np.savez(f'{d}/missing.npz', a=a)
    np.savez(f'{d}/unknown.npz', a=a, b=b, c=b)
    np.savez(f'{d}/counts.npz', a=a, b=b[:3])
    np.savez(f'{d}/wrongdtype.npz', a=a.astype(np.float64), b=b)
    with zipfile.ZipFile(f'{d}/bzip2.npz', 'w', zipfile.ZIP_BZIP2) as z:
        z.writestr('a.npy', b'x' * 100)
    with open(f'{d}/stored.npz', 'rb') as f:
        whole = bytearray(f.read())
    with open(f'{d}/truncated.npz', 'wb') as f:
        f.write(whole[:len(whole) // 2])
    with open(f'{d}/deflated.npz', 'rb') as f:
        comp = bytearray(f.read())
    # corrupt the deflated data of the first member (after its local header)
    bad = bytearray(comp)
    n, x = struct.unpack('<HH', bad[26:30])
    for k in range(30 + n + x + 4, 30 + n + x + 12):
        bad[k] ^= 0x55
    with open(f'{d}/corrupt.npz', 'wb') as f:
        f.write(bad)
    # flip one data byte of a stored member: only the CRC can tell
    bad = bytearray(whole)
    n, x = struct.unpack('<HH', bad[26:30])
    bad[30 + n + x + 130] ^= 0x01	# past the 128-byte .npy header
    with open(f'{d}/badcrc.npz', 'wb') as f:
        f.write(bad)
    with open(f'{d}/notzip.npz', 'wb') as f:
        f.write(b'PK but nothing else')


# ---- datasets ------------------------------------------------------------------

def xsamples():
    """samples of X's input x: f32[1,3,2,2]"""
    return (np.arange(5 * 12, dtype=np.float32).reshape(5, 1, 3, 2, 2) * 0.5 - 7)


def absample(s):
    a = np.array([[s + 0.25, -s]], np.float32)
    b = np.array([s, 10 * s, -100 * s], np.int64)
    return a, b


def datasets(d):
    os.makedirs(d)
    x = xsamples()
    np.save(f'{d}/x5.npy', x)
    np.save(f'{d}/x5r.npy', x.reshape(5, 3, 2, 2))
    save(f'{d}/x5.npy', x)
    np.save(f'{d}/x0.npy', x[:0])
    np.save(f'{d}/xshape.npy', np.zeros((5, 3, 2, 3), np.float32))
    np.save(f'{d}/xdtype.npy', x.astype(np.float64))
    bad = x.copy()
    bad[3, 0, 1, 1, 0] = np.nan
    bad[4, 0, 0, 0, 0] = np.inf
    np.save(f'{d}/xnan.npy', bad)
    bad = x.copy()
    bad[2, 0, 2, 0, 1] = -np.inf
    np.savez_compressed(f'{d}/xinf.npz', x=bad)
    np.savez_compressed(f'{d}/x.npz', x=x)

    # the seed's layout; strcmp order is 0, 1, 10, 2
    for s in (0, 1, 2, 10):
        sd = f'{d}/sets/test_data_set_{s}'
        os.makedirs(sd)
        a, b = absample(s)
        if s == 2:	# named by TensorProto name, in swapped files
            pb(f'{sd}/input_0.pb', numpy_helper.from_array(b, 'b'))
            pb(f'{sd}/input_1.pb', numpy_helper.from_array(a, 'a'))
        else:
            pb(f'{sd}/input_0.pb', numpy_helper.from_array(a, ''))
            pb(f'{sd}/input_1.pb', numpy_helper.from_array(b, 'unrelated'))
        pb(f'{sd}/output_0.pb', numpy_helper.from_array(a, 'out'))
    with open(f'{d}/sets/README', 'w') as f:
        f.write('ignored\n')
    os.makedirs(f'{d}/one')
    a, b = absample(7)
    pb(f'{d}/one/input_0.pb', numpy_helper.from_array(a))
    pb(f'{d}/one/input_1.pb', numpy_helper.from_array(b))
    # broken sets
    for name, files in {
        'setmissing': {'input_0.pb': absample(1)[0]},
        'setextra': {'input_0.pb': absample(1)[0], 'input_1.pb': absample(1)[1],
                     'input_2.pb': absample(1)[1]},
        'setshape': {'input_0.pb': np.zeros((2, 1), np.float32), 'input_1.pb': absample(1)[1]},
        'setdtype': {'input_0.pb': absample(1)[0], 'input_1.pb': absample(1)[1].astype(np.int32)},
        'setinf': {'input_0.pb': np.array([[1, np.inf]], np.float32), 'input_1.pb': absample(1)[1]},
    }.items():
        sd = f'{d}/{name}/test_data_set_0'
        os.makedirs(sd)
        for fn, arr in files.items():
            pb(f'{sd}/{fn}', numpy_helper.from_array(arr))
    sd = f'{d}/setdup/test_data_set_0'
    os.makedirs(sd)
    pb(f'{sd}/input_0.pb', numpy_helper.from_array(absample(1)[0], 'a'))
    pb(f'{sd}/input_1.pb', numpy_helper.from_array(absample(1)[0], 'a'))
    os.makedirs(f'{d}/emptydir')
    os.makedirs(f'{d}/otherfiles')
    with open(f'{d}/otherfiles/notes.txt', 'w') as f:
        f.write('nothing here\n')


# ---- images --------------------------------------------------------------------

MODES = {  # name: (per-channel function of (x, c) in float32, default bgr)
    'none': None,
    'mxnet': lambda x, c: (x / np.float32(255) - np.float32([0.485, 0.456, 0.406][c]))
    / np.float32([0.229, 0.224, 0.225][c]),
    'caffe': lambda x, c: (x - np.float32([123.68, 116.78, 103.94][c])) * np.float32(0.017),
    'caffe2': lambda x, c: x - np.float32([123.68, 116.779, 103.939][c]),
    'rcnn': lambda x, c: x - np.float32([122.7717, 115.9465, 102.9801][c]),
}


def expected_image(path, mode, bgr, nhwc):
    """Decode with Pillow, resize with torch, crop, preprocess with numpy."""
    import torch
    rgb = np.asarray(Image.open(path).convert('RGB')).astype(np.float32)
    h, w = rgb.shape[:2]
    s = max(IMG_H / h, IMG_W / w)
    nh = max(IMG_H, math.floor(h * s + 0.5))	# half away from zero
    nw = max(IMG_W, math.floor(w * s + 0.5))
    t = torch.from_numpy(rgb.transpose(2, 0, 1).copy())[None]
    r = torch.nn.functional.interpolate(t, size=(nh, nw), mode='bilinear',
                                        align_corners=False)[0].numpy()
    top, left = (nh - IMG_H) // 2, (nw - IMG_W) // 2
    r = r[:, top:top + IMG_H, left:left + IMG_W]
    if MODES[mode]:
        r = np.stack([MODES[mode](r[c], c) for c in range(3)])
    if bgr:
        r = r[::-1]
    r = r.astype(np.float32)
    return (r.transpose(1, 2, 0)[None] if nhwc else r[None]).copy()


def images(d):
    os.makedirs(d)
    rng = np.random.default_rng(5)
    # strcmp order: B.png, a.png, c.PNG, d.jpg, e.png, f.jpeg, g.png, h.png, i.png
    Image.fromarray(rng.integers(0, 256, (7, 9, 3), dtype=np.uint8), 'RGB').save(f'{d}/a.png')
    Image.fromarray(rng.integers(0, 256, (3, 2), dtype=np.uint8), 'L').save(f'{d}/B.png')
    Image.fromarray(rng.integers(0, 256, (8, 5, 4), dtype=np.uint8), 'RGBA').save(f'{d}/c.PNG')
    smooth = np.fromfunction(lambda y, x, c: (y * 20 + x * 7 + c * 60) % 256, (12, 10, 3))
    Image.fromarray(smooth.astype(np.uint8), 'RGB').save(f'{d}/d.jpg', quality=90)
    p = Image.fromarray(rng.integers(0, 4, (4, 5), dtype=np.uint8), 'P')
    p.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30] + [0] * 756)
    p.save(f'{d}/e.png')
    Image.fromarray(smooth[:, :, 0].astype(np.uint8), 'L').save(f'{d}/f.jpeg', quality=85)
    # odd crop margins (7-4 rows, 8-5 columns), a tie in the resized size (6.5)
    Image.fromarray(rng.integers(0, 256, (7, 5, 3), dtype=np.uint8), 'RGB').save(f'{d}/g.png')
    Image.fromarray(rng.integers(0, 256, (4, 8, 3), dtype=np.uint8), 'RGB').save(f'{d}/h.png')
    Image.fromarray(rng.integers(0, 256, (13, 10, 3), dtype=np.uint8), 'RGB').save(f'{d}/i.png')
    with open(f'{d}/notes.txt', 'w') as f:
        f.write('not an image\n')
    names = ['B.png', 'a.png', 'c.PNG', 'd.jpg', 'e.png', 'f.jpeg', 'g.png', 'h.png',
             'i.png']
    for mode in MODES:
        bgr = mode != 'none'
        for k, n in enumerate(names):
            save(f'{d}/{mode}_{k}', expected_image(f'{d}/{n}', mode, bgr, False))
    for k, n in enumerate(names):
        save(f'{d}/caffe2rgb_{k}', expected_image(f'{d}/{n}', 'caffe2', False, False))
        save(f'{d}/nhwc_{k}', expected_image(f'{d}/{n}', 'mxnet', True, True))
    os.makedirs(f'{d}/../badjpg')
    with open(f'{d}/../badjpg/x.jpg', 'wb') as f:
        f.write(b'this is not a jpeg at all')
    os.makedirs(f'{d}/../truncpng')
    with open(f'{d}/a.png', 'rb') as f:
        whole = f.read()
    with open(f'{d}/../truncpng/x.png', 'wb') as f:
        f.write(whole[:len(whole) // 2])
    os.makedirs(f'{d}/../truncjpg')
    with open(f'{d}/d.jpg', 'rb') as f:
        whole = f.read()
    with open(f'{d}/../truncjpg/x.jpg', 'wb') as f:
        f.write(whole[:len(whole) * 2 // 3])


def make(d):
    os.makedirs(d, exist_ok=True)
    npyfiles(f'{d}/npy')
    pbfiles(f'{d}/pb')
    npzfiles(f'{d}/npz')
    datasets(f'{d}/ds')
    images(f'{d}/img/ok')


# ---- checks ----------------------------------------------------------------------

def verify(d):
    """The fixtures test what they claim to."""
    def members(path):
        with zipfile.ZipFile(path) as z:
            return {i.filename: i.compress_type for i in z.infolist()}
    assert set(members(f'{d}/npz/stored.npz').values()) == {zipfile.ZIP_STORED}
    assert set(members(f'{d}/npz/deflated.npz').values()) == {zipfile.ZIP_DEFLATED}
    # numpy writes zip64 extra fields into local headers (force_zip64)
    with open(f'{d}/npz/stored.npz', 'rb') as f:
        head = f.read(30)
        n, x = struct.unpack('<HH', head[26:30])
        f.read(n)
        assert x >= 20 and struct.unpack('<H', f.read(2))[0] == 1, 'no zip64 extra'
    for bad in ('corrupt', 'badcrc', 'truncated'):
        try:
            with zipfile.ZipFile(f'{d}/npz/{bad}.npz') as z:
                for name in z.namelist():
                    z.read(name)
        except Exception:
            continue
        raise AssertionError(f'{bad}.npz reads fine')
    for code in DTYPES:
        assert np.load(f'{d}/npy/{code}.npy').dtype.str.endswith(code)
    assert np.load(f'{d}/npy/v2.npy').shape == (3, 1, 2)
    with open(f'{d}/npy/v3.npy', 'rb') as f:
        assert f.read(8)[6] == 3
    assert np.load(f'{d}/npy/oddheader.npy').tolist() == values('i4', (2, 3)).tolist()
    t = onnx.load_tensor(f'{d}/pb/typed_f16.pb')
    assert t.int32_data and not t.raw_data
    t = onnx.load_tensor(f'{d}/pb/raw_f32.pb')
    assert t.raw_data and not t.float_data
    for p in ('badjpg/x.jpg', 'truncpng/x.png'):
        try:
            Image.open(f'{d}/img/{p}').load()
        except Exception:
            continue
        raise AssertionError(f'{p} decodes')
    assert Image.open(f'{d}/img/ok/c.PNG').mode == 'RGBA'
    assert Image.open(f'{d}/img/ok/e.png').mode == 'P'
    assert Image.open(f'{d}/img/ok/f.jpeg').mode == 'L'
    print('fixtures ok')


WRITTEN = {  # name: the array the C test wrote
    'f32': values('f4', (2, 3)), 'i8': values('i1', (4,)), 'u8': values('u1', (4,)),
    'bool': values('b1', (5,)), 'f64': np.array(6.25), 'empty': np.zeros((0, 2), np.float32),
    'i64': values('i8', (1, 1, 1, 1, 1, 1, 1, 2)), 'f16': values('f2', (3,)),
    'u16': values('u2', (2, 2)), 'i32': values('i4', (3, 1)),
}


def written(d):
    for name, want in WRITTEN.items():
        path = f'{d}/written/{name}.npy'
        with open(path, 'rb') as f:
            raw = f.read()
        assert raw[6:8] == b'\x01\x00', name
        hl = struct.unpack('<H', raw[8:10])[0]
        assert (10 + hl) % 64 == 0, f'{name}: header not padded to 64'
        got = np.load(path)
        assert got.dtype == want.dtype, f'{name}: {got.dtype} != {want.dtype}'
        assert got.shape == want.shape, f'{name}: {got.shape} != {want.shape}'
        assert np.array_equal(got, want), name
    print('written ok')


if __name__ == '__main__':
    {'make': make, 'verify': verify, 'written': written}[sys.argv[1]](sys.argv[2])
