"""Figures of a run: upgrading curves by type, income, premium share, groups."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.io import atomic_write, check_suffix

FIGURE_SUFFIXES = (".png", ".svg", ".pdf")
UPGRADE_COLUMNS = {
    "share_process": "process",
    "share_product": "product",
    "share_functional": "functional",
    "share_channel": "channel",
    "share_intersectoral": "intersectoral",
}
#: Colours for the five upgrading types (colour-blind safe, Okabe-Ito).
UPGRADE_COLOURS = {
    "process": "#0072B2",
    "product": "#E69F00",
    "functional": "#009E73",
    "channel": "#CC79A7",
    "intersectoral": "#D55E00",
}


def check_figure_path(path: str | os.PathLike) -> Path:
    """Check that ``path`` names a figure format we write."""
    return check_suffix(path, FIGURE_SUFFIXES, "plot file")


def plot_upgrading(df: pd.DataFrame, ax=None):
    """Draw the cumulative upgrading share by type on ``ax`` (created if None)."""
    if ax is None:
        import matplotlib.pyplot as plt  # interactive use: the caller's backend decides

        _, ax = plt.subplots(figsize=(7, 4))
    for column, label in UPGRADE_COLUMNS.items():
        ax.plot(df["step"], df[column], label=label, color=UPGRADE_COLOURS[label], lw=2)
    ax.plot(df["step"], df["share_upgraded"], label="any", color="black", lw=1.5, ls="--")
    ax.set_xlabel("month")
    ax.set_ylabel("share of MSEs (cumulative)")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9, ncols=2)
    return ax


def plot_run(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Save a four-panel figure of a run: upgrading, income, premium share, groups."""
    path = check_figure_path(path)
    # A bare Figure needs no pyplot backend, so writing files never disturbs a notebook's.
    fig = Figure(figsize=(12, 8), constrained_layout=True)
    axes = fig.subplots(2, 2)
    plot_upgrading(df, axes[0, 0])
    axes[0, 0].set_title("Upgrading by type")
    ax = axes[0, 1]
    ax.plot(df["step"], df["mean_income"], color="#0072B2", lw=2, label="mean income")
    ax.set_ylabel("income per MSE per month")
    ax2 = ax.twinx()
    ax2.plot(df["step"], df["income_volatility"], color="#D55E00", lw=1.5,
             label="income volatility (CV)")
    ax2.set_ylabel("coefficient of variation")
    ax.set_title("Income and its volatility")
    ax.set_xlabel("month")
    lines = ax.get_lines() + ax2.get_lines()
    ax.legend(lines, [ln.get_label() for ln in lines], loc="upper left", fontsize=9)
    ax = axes[1, 0]
    ax.plot(df["step"], df["premium_share_mse"], color="#E69F00", lw=2)
    ax.set_ylim(0, 1)
    ax.set_title("Share of the quality premium reaching MSEs")
    ax.set_xlabel("month")
    ax = axes[1, 1]
    ax.plot(df["step"], df["share_in_groups"], color="#009E73", lw=2, label="in groups")
    ax.plot(df["step"], df["share_linked_lead_firm"], color="#CC79A7", lw=2,
            label="linked to a lead firm")
    ax.set_ylim(0, 1)
    ax.set_title("Horizontal and vertical links")
    ax.set_xlabel("month")
    ax.legend(loc="upper left", fontsize=9)
    for a in axes.flat:
        a.grid(alpha=0.3)
    name = df.attrs.get("scenario", {}).get("name", "")
    fig.suptitle(f"{name} (seed {df.attrs.get('seed')}, mse-sim {df.attrs.get('version')})")
    with atomic_write(path) as fh:
        fig.savefig(fh, format=path.suffix.lstrip(".").lower(), dpi=110)
    return path
