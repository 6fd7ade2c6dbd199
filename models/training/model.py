"""A compact anchor-free YOLO-style detector (about 1.6 M parameters).

Backbone and PAN neck in the style of YOLOv8 (C2f blocks, SPPF), decoupled heads at strides 8, 16
and 32 that predict per-point class logits and left/top/right/bottom distances. `ExportWrapper`
decodes to the Ultralytics v8 output layout [N, 4 + nc, anchors] (cx, cy, w, h in input pixels,
sigmoid class scores), so any pipeline that reads an Ultralytics export reads this model too.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

STRIDES = (8, 16, 32)


class Conv(nn.Module):
    def __init__(self, c_in, c_out, k=3, s=1):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c_out, eps=1e-3, momentum=0.03)
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    def __init__(self, c, shortcut=True):
        super().__init__()
        self.cv1 = Conv(c, c, 3)
        self.cv2 = Conv(c, c, 3)
        self.add = shortcut

    def forward(self, x):
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y


class C2f(nn.Module):
    def __init__(self, c_in, c_out, n=1, shortcut=True):
        super().__init__()
        self.c = c_out // 2
        self.cv1 = Conv(c_in, 2 * self.c, 1)
        self.cv2 = Conv((2 + n) * self.c, c_out, 1)
        self.m = nn.ModuleList(Bottleneck(self.c, shortcut) for _ in range(n))

    def forward(self, x):
        y = list(self.cv1(x).chunk(2, 1))
        for m in self.m:
            y.append(m(y[-1]))
        return self.cv2(torch.cat(y, 1))


class SPPF(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.cv1 = Conv(c, c // 2, 1)
        self.cv2 = Conv(c * 2, c, 1)
        self.pool = nn.MaxPool2d(5, 1, 2)

    def forward(self, x):
        x = self.cv1(x)
        y1 = self.pool(x)
        y2 = self.pool(y1)
        return self.cv2(torch.cat([x, y1, y2, self.pool(y2)], 1))


class Head(nn.Module):
    def __init__(self, c_in, nc, width=40):
        super().__init__()
        self.box = nn.Sequential(Conv(c_in, width, 3), Conv(width, width, 3), nn.Conv2d(width, 4, 1))
        self.cls = nn.Sequential(Conv(c_in, width, 3), Conv(width, width, 3), nn.Conv2d(width, nc, 1))

    def forward(self, x):
        return self.box(x), self.cls(x)


class Detector(nn.Module):
    def __init__(self, nc):
        super().__init__()
        self.nc = nc
        self.stem = nn.Sequential(Conv(3, 16, 3, 2), Conv(16, 32, 3, 2))
        self.p3 = nn.Sequential(Conv(32, 64, 3, 2), C2f(64, 64, 2))
        self.p4 = nn.Sequential(Conv(64, 128, 3, 2), C2f(128, 128, 2))
        self.p5 = nn.Sequential(Conv(128, 192, 3, 2), C2f(192, 192, 1), SPPF(192))
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.n4 = C2f(192 + 128, 128, 1, False)
        self.n3 = C2f(128 + 64, 64, 1, False)
        self.d3 = Conv(64, 64, 3, 2)
        self.o4 = C2f(64 + 128, 128, 1, False)
        self.d4 = Conv(128, 128, 3, 2)
        self.o5 = C2f(128 + 192, 192, 1, False)
        self.heads = nn.ModuleList([Head(64, nc), Head(128, nc), Head(192, nc)])
        self._init_bias()

    def _init_bias(self):
        for head, s in zip(self.heads, STRIDES):
            # Prior: about 0.01 objects per class per point, as in RetinaNet / YOLOv8.
            head.cls[-1].bias.data.fill_(-4.6)
            head.box[-1].bias.data.fill_(1.0)

    def forward(self, x):
        x = self.stem(x)
        p3 = self.p3(x)
        p4 = self.p4(p3)
        p5 = self.p5(p4)
        n4 = self.n4(torch.cat([self.up(p5), p4], 1))
        n3 = self.n3(torch.cat([self.up(n4), p3], 1))
        o4 = self.o4(torch.cat([self.d3(n3), n4], 1))
        o5 = self.o5(torch.cat([self.d4(o4), p5], 1))
        return [h(f) for h, f in zip(self.heads, (n3, o4, o5))]


def make_anchors(feats, strides=STRIDES):
    """Point centres (input pixels) and their strides, level by level, row-major."""
    points, stride_list = [], []
    for (box, _), s in zip(feats, strides):
        h, w = box.shape[-2:]
        ys = (torch.arange(h, dtype=torch.float32) + 0.5) * s
        xs = (torch.arange(w, dtype=torch.float32) + 0.5) * s
        gy, gx = torch.meshgrid(ys, xs, indexing="ij")
        points.append(torch.stack([gx, gy], -1).reshape(-1, 2))
        stride_list.append(torch.full((h * w, 1), float(s)))
    return torch.cat(points), torch.cat(stride_list)


def flatten(feats):
    """[N, A, 4] raw distances and [N, A, nc] class logits over all levels."""
    box = torch.cat([b.flatten(2) for b, _ in feats], 2).transpose(1, 2)
    cls = torch.cat([c.flatten(2) for _, c in feats], 2).transpose(1, 2)
    return box, cls


def decode(raw_box, points, strides):
    """ltrb distances (softplus, in strides) → x1, y1, x2, y2 in input pixels."""
    d = F.softplus(raw_box) * strides
    x1y1 = points - d[..., :2]
    x2y2 = points + d[..., 2:]
    return torch.cat([x1y1, x2y2], -1)


class ExportWrapper(nn.Module):
    """Ultralytics v8 layout: [N, 4 + nc, anchors], cx cy w h in pixels, sigmoid scores."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, images):
        feats = self.model(images)
        points, strides = make_anchors(feats)
        raw_box, cls = flatten(feats)
        xyxy = decode(raw_box, points, strides)
        cxcy = (xyxy[..., :2] + xyxy[..., 2:]) / 2
        wh = xyxy[..., 2:] - xyxy[..., :2]
        out = torch.cat([cxcy, wh, cls.sigmoid()], -1)
        return out.transpose(1, 2)


if __name__ == "__main__":
    m = Detector(6)
    print(sum(p.numel() for p in m.parameters()))
