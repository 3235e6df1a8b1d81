# SPDX-License-Identifier: Apache-2.0
"""The shipped digits (data/mnist-digits, IDX) as LibSVM rows hashed into 2^18 features, as issue 25's new user tried:
pixel i goes to column crc32("pixel<i>") mod 2^18 (colliding pixels add up), only non-zero pixels written. Writes
OUT/train.libsvm and OUT/test.libsvm. Usage: python3 scripts/lib/hashed_digits_libsvm.py [DIGITS_DIR] OUT"""
import gzip
import struct
import sys
import zlib

WIDTH = 1 << 18


def idx(images, labels):
    with gzip.open(images) as f:
        _, n, rows, cols = struct.unpack('>IIII', f.read(16))
        pixels = f.read()
    with gzip.open(labels) as f:
        f.read(8)
        ys = f.read()
    return n, rows * cols, pixels, ys


def main():
    digits, out = (sys.argv[1], sys.argv[2]) if len(sys.argv) > 2 else ('data/mnist-digits', sys.argv[1])
    for name, images, labels in [('train', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'),
                                 ('test', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz')]:
        n, width, pixels, ys = idx(f'{digits}/{images}', f'{digits}/{labels}')
        column = [zlib.crc32(b'pixel%d' % i) % WIDTH + 1 for i in range(width)]   # LibSVM indices are 1-based
        with open(f'{out}/{name}.libsvm', 'w') as f:
            for k in range(n):
                row = {}
                for i in range(width):
                    if pixels[k * width + i]:
                        row[column[i]] = row.get(column[i], 0) + pixels[k * width + i]
                f.write(str(ys[k]) + ''.join(f' {j}:{row[j]}' for j in sorted(row)) + '\n')
        print(f'{out}/{name}.libsvm: {n} rows')


if __name__ == '__main__':
    main()
