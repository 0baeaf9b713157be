#!/usr/bin/python3
"""peer_pipeline.py -- what a researcher would write instead of `skinq analyze`, and a runner that
times the two on the same photos.

The peer computes the same metrics with the usual Python stack (Debian's python3-opencv, -numpy,
-scipy, -skimage), the straightforward way: decode with OpenCV, CIELAB with skimage.color.rgb2lab,
erythema / melanin index and ITA with numpy on linear sRGB, mean / std / percentiles per metric,
red area above the 25th percentile of a* + 5; texture on L*: a Welch PSD (512-px tiles, 50 %
overlap, linear detrend, Hann window, scipy.fft.rfft2, radial bands and slope), band-passed
roughness (scipy.ndimage Gaussians), GLCM (skimage.feature.graycomatrix / graycoprops, 64
levels, distance 1, four angles), pores (scale-normalised LoG minima, scipy.ndimage), fine
lines (skimage.filters.frangi, dark ridges, skeleton length), spots (melanin index over a
smoothed baseline, scipy.ndimage.label) and tone evenness (std of 1-mm block means). It does not
invert the spectral skin model (hemoglobin / melanin fractions): a researcher has no such table,
so the peer does a little less work than skinq.

    /usr/bin/python3 benchmarks/peer_pipeline.py --skinq build/skinq --runs 5 --threads 2 PHOTO...

prints, per photo, the median wall time and CPU time of the peer (in this process, decode
included) and of `skinq analyze PHOTO --px-per-mm 20 --json` (a new process each run, start-up
included), their ratios, and with --json a machine-readable summary. Run it pinned (taskset -c 0,1) and say the
machine was shared if it was.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time


def set_threads(n):
    for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ[var] = str(n)


def peer_analyze(path, px_per_mm=20.0):
    import cv2
    import numpy as np
    from scipy import fft, ndimage
    from skimage import color, feature, filters, morphology

    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    if bgr is None:
        raise SystemExit('cannot read %s' % path)
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    valid = np.all((rgb > 0) & (rgb < 255), axis=-1)
    lab = color.rgb2lab(rgb)
    c = rgb.astype(np.float32) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    R, G = np.maximum(lin[..., 0], 1e-6), np.maximum(lin[..., 1], 1e-6)
    L, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
    metrics = {'L': L, 'a': a, 'b': b, 'erythema_index': 100 * np.log10(R / G),
               'melanin_index': 100 * np.log10(1 / R), 'ita_deg': np.degrees(np.arctan2(L - 50, b))}
    out = {}
    for name, v in metrics.items():
        x = v[valid]
        p05, p50, p95 = np.percentile(x, [5, 50, 95])
        out['color.%s' % name] = dict(mean=float(x.mean()), std=float(x.std()), p05=p05, p50=p50, p95=p95)
    av = a[valid]
    out['color.red_area_fraction'] = float(np.mean(av > np.percentile(av, 25) + 5))

    # texture on L*
    Lf = L.astype(np.float32)
    T = 512
    h, w = Lf.shape
    yy, xx = np.mgrid[0:T, 0:T // 2 + 1]
    fr = np.hypot(np.where(yy < T // 2, yy, yy - T) / T, xx / T)  # cycles/px
    win = np.outer(np.hanning(T), np.hanning(T)).astype(np.float32)
    A = np.c_[np.ones(T * T), np.tile(np.arange(T), T), np.repeat(np.arange(T), T)]
    pinv = np.linalg.pinv(A)
    psd, n = np.zeros_like(fr), 0
    for y0 in range(0, h - T + 1, T // 2):
        for x0 in range(0, w - T + 1, T // 2):
            tile = Lf[y0:y0 + T, x0:x0 + T].ravel()
            tile = (tile - A @ (pinv @ tile)).reshape(T, T) * win
            psd += np.abs(fft.rfft2(tile)) ** 2
            n += 1
    psd /= max(n, 1)
    f_mm = fr * px_per_mm
    bands = {'fine': (2, 4), 'medium': (0.5, 2), 'coarse': (0.05, 0.5)}
    out['texture.psd'] = {k: float(psd[(f_mm >= lo) & (f_mm < hi)].sum()) for k, (lo, hi) in bands.items()}
    sel = (f_mm > 0.1) & (f_mm < 4)
    out['texture.psd']['slope'] = float(np.polyfit(np.log(f_mm[sel]), np.log(psd[sel] + 1e-12), 1)[0])

    def sigma(cyc_per_mm):
        return px_per_mm / (2 * np.pi * cyc_per_mm)

    band = ndimage.gaussian_filter(Lf, sigma(4)) - ndimage.gaussian_filter(Lf, sigma(0.05))
    out['texture.roughness'] = dict(sa=float(np.abs(band).mean()), sq=float(np.sqrt((band ** 2).mean())))

    q = np.clip((Lf / 100 * 63).astype(np.uint8), 0, 63)
    P = feature.graycomatrix(q, [1], [0, np.pi / 4, np.pi / 2, 3 * np.pi / 4], levels=64, symmetric=True,
                             normed=True)
    g = {k: float(feature.graycoprops(P, k).mean())
         for k in ('contrast', 'dissimilarity', 'homogeneity', 'ASM', 'energy', 'correlation')}
    Pm = P.mean(axis=(2, 3))
    g['entropy'] = float(-(Pm[Pm > 0] * np.log2(Pm[Pm > 0])).sum())
    out['texture.glcm'] = g

    # pores: dark blobs 0.05-0.5 mm: scale-normalised LoG maxima over space and scale
    sig = [d * px_per_mm / 2 / np.sqrt(2) for d in (0.05, 0.1, 0.2, 0.35, 0.5)]
    stack = np.stack([s * s * ndimage.gaussian_laplace(Lf, s) for s in sig])
    peak = (stack == ndimage.maximum_filter(stack, size=(3, 5, 5))) & (stack > 2.0)
    out['texture.pores.count'] = int(peak.sum())

    # fine lines: dark ridges 0.1-0.4 mm wide
    ridge = filters.frangi(Lf, sigmas=[d * px_per_mm / 2 for d in (0.1, 0.2, 0.4)], black_ridges=True)
    skel = morphology.skeletonize(ridge > 0.05)
    area_cm2 = h * w / (px_per_mm * 10) ** 2
    out['texture.lines.density_mm_per_cm2'] = float(skel.sum() / px_per_mm / area_cm2)

    mi = metrics['melanin_index'].astype(np.float32)
    resid = mi - ndimage.uniform_filter(mi, int(5 * px_per_mm))
    lab_img, count = ndimage.label(resid > 3 * resid.std())
    out['texture.spots'] = dict(count=int(count), area_fraction=float((lab_img > 0).mean()))

    k = int(round(px_per_mm))
    hb, wb = h // k, w // k
    blocks = Lf[:hb * k, :wb * k].reshape(hb, k, wb, k).mean(axis=(1, 3))
    out['texture.tone_evenness'] = float(blocks.std())
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('photos', nargs='+')
    ap.add_argument('--skinq', default=os.path.join(os.path.dirname(__file__), '..', 'build', 'skinq'))
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--json', action='store_true')
    args = ap.parse_args()
    set_threads(args.threads)
    import cv2
    cv2.setNumThreads(args.threads)
    rows = []
    for path in args.photos:
        # wall clock, and CPU time (user + sys, all threads): on a shared, overloaded machine the
        # wall clock measures the neighbours too, the CPU time does not (but sums the threads)
        peer_analyze(path)  # warm-up: imports, caches
        tp, cp = [], []
        for _ in range(args.runs):
            t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
            peer_analyze(path)
            c1 = resource.getrusage(resource.RUSAGE_SELF)
            tp.append(time.perf_counter() - t0)
            cp.append(c1.ru_utime - c0.ru_utime + c1.ru_stime - c0.ru_stime)
        ts, cs = [], []
        cmd = [args.skinq, 'analyze', path, '--threads', str(args.threads), '--px-per-mm', '20', '--json']
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        for _ in range(args.runs):
            t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            ts.append(time.perf_counter() - t0)
            cs.append(c1.ru_utime - c0.ru_utime + c1.ru_stime - c0.ru_stime)
        med = statistics.median
        row = dict(photo=os.path.basename(path), runs=args.runs, threads=args.threads,
                   peer_ms=1e3 * med(tp), skinq_ms=1e3 * med(ts), peer_cpu_ms=1e3 * med(cp),
                   skinq_cpu_ms=1e3 * med(cs))
        row['peer_over_skinq'] = row['peer_ms'] / row['skinq_ms']
        row['peer_over_skinq_cpu'] = row['peer_cpu_ms'] / row['skinq_cpu_ms']
        rows.append(row)
        if not args.json:
            print('%-24s wall: peer %9.1f ms, skinq %8.1f ms, %6.1fx   cpu: peer %9.1f ms, skinq %8.1f ms, %6.1fx' %
                  (row['photo'], row['peer_ms'], row['skinq_ms'], row['peer_over_skinq'], row['peer_cpu_ms'],
                   row['skinq_cpu_ms'], row['peer_over_skinq_cpu']), flush=True)
    if args.json:
        json.dump(dict(photos=rows, provenance=dict(
            peer='benchmarks/peer_pipeline.py peer_analyze (OpenCV decode, skimage, scipy, numpy), in process',
            skinq='skinq analyze PHOTO --px-per-mm 20 --json, a new process each run',
            timing='medians of the runs after one warm-up: wall clock, and CPU time (user + sys, all threads)')),
            sys.stdout, indent=1)
        print()


if __name__ == '__main__':
    main()
