#!/usr/bin/env python3
"""Holt–Winters exponential smoothing on a series, scored like Unroll's forecasting task.

The reference for docs/benchmarks.md: the same chronological cut as `forecasting` (the last
`--test` fraction of the steps), additive trend and season fitted by statsmodels on the training
part only, then one-step-ahead forecasts over the test part with those parameters held fixed
(each forecast sees the true values before it, as the model's windows do). Prints MAE, RMSE and
MASE (scaled by the seasonal-naive mean absolute error on the training part).

  pip install statsmodels==0.15.0
  python3 Tools/holt_winters.py data/statsmodels-co2.csv --value co2 --season 52
  python3 Tools/holt_winters.py data/statsmodels-elec_equip.csv --season 12
"""
import argparse, csv, math

import numpy as np
from statsmodels.tsa.holtwinters import ExponentialSmoothing


def read(path, value):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], [r for r in rows[1:] if r]
    col = header.index(value) if value else len(header) - 1
    v = np.array([float(r[col]) if r[col].strip() else np.nan for r in rows])
    idx = np.arange(len(v))
    known = ~np.isnan(v)
    return np.interp(idx, idx[known], v[known])  # linear, the nearest value at the ends (as Unroll)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--value", default="", help="value column (default: the last)")
    ap.add_argument("--season", type=int, required=True)
    ap.add_argument("--test", type=float, default=0.2)
    ap.add_argument("--lookback", type=int, default=0, help="the model's lookback (only for the cut's lower bound)")
    a = ap.parse_args()
    y = read(a.csv, a.value)
    n = len(y)
    cut = max(a.lookback + 1, n - int(round(n * a.test)))
    train = y[:cut]
    fit = ExponentialSmoothing(train, trend="add", seasonal="add", seasonal_periods=a.season).fit()
    p = fit.params
    full = ExponentialSmoothing(y, trend="add", seasonal="add", seasonal_periods=a.season).fit(
        smoothing_level=p["smoothing_level"], smoothing_trend=p["smoothing_trend"],
        smoothing_seasonal=p["smoothing_seasonal"], optimized=False)
    # fittedvalues[t] is the one-step-ahead forecast of y[t] from y[:t]; the initial states differ
    # from the training fit's only in the first season, far before the cut.
    f = full.fittedvalues[cut:]
    e = np.abs(f - y[cut:])
    scale = np.mean(np.abs(train[a.season:] - train[:-a.season]))
    print(f"steps {n}, test {n - cut} (from step {cut}); Holt-Winters additive, season {a.season}")
    print(f"MAE {e.mean():.4f}  RMSE {math.sqrt((e ** 2).mean()):.4f}  MASE {e.mean() / scale:.4f}")


if __name__ == "__main__":
    main()
