"""Binary PPM (P6) images and the pixel assertions the VM scenarios make.

Colours are 0xRRGGBB integers; rectangles are (x0, y0, x1, y1) with x1/y1
exclusive.  Assertion helpers raise CheckError with a message that names the
place and the values, so a failing scenario says what was on the screen.
"""


class CheckError(Exception):
    pass


class Image:
    def __init__(self, width, height, data):
        if len(data) != width * height * 3:
            raise ValueError('PPM data is %d bytes, want %d for %dx%d'
                             % (len(data), width * height * 3, width, height))
        self.width = width
        self.height = height
        self.data = data

    @classmethod
    def parse(cls, blob):
        """Parses a P6 PPM with maxval 255 (what QEMU's screendump writes)."""
        fields = []
        pos = 0
        # Header: magic, width, height, maxval, separated by whitespace,
        # with '#' comments allowed; a single whitespace byte precedes data.
        while len(fields) < 4:
            while pos < len(blob) and blob[pos:pos + 1].isspace():
                pos += 1
            if blob[pos:pos + 1] == b'#':
                while pos < len(blob) and blob[pos:pos + 1] != b'\n':
                    pos += 1
                continue
            start = pos
            while pos < len(blob) and not blob[pos:pos + 1].isspace():
                pos += 1
            if start == pos:
                raise ValueError('truncated PPM header')
            fields.append(blob[start:pos])
        if fields[0] != b'P6':
            raise ValueError('not a binary PPM (magic %r)' % fields[0])
        width, height, maxval = (int(f) for f in fields[1:])
        if maxval != 255:
            raise ValueError('unsupported PPM maxval %d' % maxval)
        pos += 1
        return cls(width, height, bytes(blob[pos:pos + width * height * 3]))

    @classmethod
    def load(cls, path):
        with open(path, 'rb') as f:
            return cls.parse(f.read())

    def save(self, path):
        with open(path, 'wb') as f:
            f.write(b'P6\n%d %d\n255\n' % (self.width, self.height))
            f.write(self.data)

    @property
    def size(self):
        return (self.width, self.height)

    def pixel(self, x, y):
        if not (0 <= x < self.width and 0 <= y < self.height):
            raise CheckError('point %d,%d is outside the %dx%d image'
                             % (x, y, self.width, self.height))
        i = (y * self.width + x) * 3
        r, g, b = self.data[i:i + 3]
        return (r << 16) | (g << 8) | b

    def _clip(self, rect):
        x0, y0, x1, y1 = rect
        return (max(0, x0), max(0, y0), min(self.width, x1), min(self.height, y1))

    def histogram(self, rect=None):
        """Returns {colour: count} over rect (default: whole image)."""
        x0, y0, x1, y1 = self._clip(rect or (0, 0, self.width, self.height))
        counts = {}
        for y in range(y0, y1):
            row = self.data[(y * self.width + x0) * 3:(y * self.width + x1) * 3]
            for i in range(0, len(row), 3):
                c = (row[i] << 16) | (row[i + 1] << 8) | row[i + 2]
                counts[c] = counts.get(c, 0) + 1
        return counts

    def fraction(self, colour, rect=None, tolerance=0):
        """Fraction of pixels in rect within tolerance of colour."""
        hist = self.histogram(rect)
        total = sum(hist.values())
        if total == 0:
            return 0.0
        hit = sum(n for c, n in hist.items() if colour_distance(c, colour) <= tolerance)
        return hit / total


def colour_distance(a, b):
    """Largest per-channel difference between two 0xRRGGBB colours."""
    return max(abs(((a >> s) & 0xff) - ((b >> s) & 0xff)) for s in (16, 8, 0))


def fmt(c):
    return '%06x' % c


def expect_size(img, width, height):
    if img.size != (width, height):
        raise CheckError('screendump is %dx%d, want %dx%d'
                         % (img.width, img.height, width, height))


def expect_pixel(img, x, y, colour, tolerance=0):
    got = img.pixel(x, y)
    if colour_distance(got, colour) > tolerance:
        raise CheckError('pixel at %d,%d is %s, want %s%s'
                         % (x, y, fmt(got), fmt(colour),
                            ' (+-%d)' % tolerance if tolerance else ''))


def expect_rect(img, rect, colour, tolerance=0):
    """Every pixel of rect has colour (within tolerance per channel)."""
    x0, y0, x1, y1 = rect
    if img._clip(rect) != tuple(rect) or x0 >= x1 or y0 >= y1:
        raise CheckError('rect %r is empty or not inside the %dx%d image'
                         % (rect, img.width, img.height))
    if tolerance == 0:
        # Fast path: compare whole rows as bytes; build a histogram only to
        # explain a mismatch.
        want = bytes(((colour >> 16) & 0xff, (colour >> 8) & 0xff, colour & 0xff)) * (x1 - x0)
        w = img.width
        if all(img.data[(y * w + x0) * 3:(y * w + x1) * 3] == want for y in range(y0, y1)):
            return
    hist = img.histogram(rect)
    bad = {c: n for c, n in hist.items() if colour_distance(c, colour) > tolerance}
    if bad:
        total = sum(hist.values())
        worst = sorted(bad.items(), key=lambda kv: -kv[1])[:3]
        raise CheckError('rect (%d,%d)-(%d,%d): %d of %d pixels are not %s%s; '
                         'most common: %s'
                         % (x0, y0, x1, y1, sum(bad.values()), total, fmt(colour),
                            ' (+-%d)' % tolerance if tolerance else '',
                            ', '.join('%s x%d' % (fmt(c), n) for c, n in worst)))


def diff_region(a, b):
    """Bounding box (x0, y0, x1, y1) of the pixels that differ, or None."""
    if a.size != b.size:
        raise CheckError('cannot diff a %dx%d image with a %dx%d one'
                         % (a.width, a.height, b.width, b.height))
    if a.data == b.data:
        return None
    w = a.width
    stride = w * 3
    rows = [y for y in range(a.height)
            if a.data[y * stride:(y + 1) * stride] != b.data[y * stride:(y + 1) * stride]]
    x0, x1 = w, 0
    for y in rows:
        ra = a.data[y * stride:(y + 1) * stride]
        rb = b.data[y * stride:(y + 1) * stride]
        # Narrow from both ends; only the outermost differing columns matter.
        lo = 0
        while lo < w and ra[lo * 3:lo * 3 + 3] == rb[lo * 3:lo * 3 + 3]:
            lo += 1
        hi = w
        while hi > lo and ra[hi * 3 - 3:hi * 3] == rb[hi * 3 - 3:hi * 3]:
            hi -= 1
        x0, x1 = min(x0, lo), max(x1, hi)
    return (x0, rows[0], x1, rows[-1] + 1)


def expect_diff_inside(a, b, rect):
    """The two images differ, and only inside rect."""
    region = diff_region(a, b)
    if region is None:
        raise CheckError('the two screendumps are identical, want a change inside %r'
                         % (tuple(rect),))
    x0, y0, x1, y1 = region
    rx0, ry0, rx1, ry1 = rect
    if x0 < rx0 or y0 < ry0 or x1 > rx1 or y1 > ry1:
        raise CheckError('screendumps differ in (%d,%d)-(%d,%d), outside the allowed '
                         '(%d,%d)-(%d,%d)' % (x0, y0, x1, y1, rx0, ry0, rx1, ry1))
    return region


def expect_same(a, b):
    region = diff_region(a, b)
    if region is not None:
        raise CheckError('screendumps differ in (%d,%d)-(%d,%d), want identical' % region)
