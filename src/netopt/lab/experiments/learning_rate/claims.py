r"""The learning-rate experiment's claims, each decided by numbers of this run (private).

Checks (an identity, a definition, an exact reproduction: correct code must pass them) and
findings (the chapter's statements about behaviour, repeated over independent seeds of the
run, each with its protocol). Thresholds are stated here and in each claim's text.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from netopt.lab.core import Claim

from .._shared.tuning import count, protocol, spread
from . import noise_floor as _noise
from . import ravine as _ravine
from . import regimes as _regimes

WINNERS = ("NAG", "AdaGrad", "RMSProp")
"""The methods whose lead over tuned SGD the comparison finding states."""
RULE_GAP = 0.2
"""The effective-step rule holds when the curves differ by at most this share of progress."""
THRESHOLD_TOLERANCE = 0.02


def claims(m: dict[str, Any]) -> list[Claim]:
    """Every claim of the experiment: the checks first, then the findings."""
    return _checks(m) + _findings(m)


def _checks(m: dict[str, Any]) -> list[Claim]:
    ravine, nag, forms, curves, plateau = (
        m["ravine"], m["nag"], m["forms"], m["curves"], m["plateau"]
    )  # fmt: skip
    patience_cfg = m["plateau_cfg"]

    def shown(name: str) -> dict:
        return ravine[name]["stats"][ravine[name]["shown"]]

    def setting(name: str) -> str:
        g = ravine[name]["grid"][ravine[name]["shown"]]
        return f"lr={g['lr']:g}" + (f", beta={g['momentum']:g}" if "momentum" in g else "")

    gd, mom = shown("GD"), shown("Momentum")
    creep = {  # |theta1| after 20 steps / |theta1| at the start, best settings
        k: float(abs(ravine[k]["paths"][ravine[k]["shown"], 20, 0] / _ravine.START[0]))
        for k in ("GD", "Momentum", "NAG")
    }
    nesterov = ravine["NAG"]["stats"][ravine["Momentum"]["shown"]]  # momentum's setting
    pairs = [
        (m["x2_path"], n["x2_path"])
        for m, n in zip(ravine["Momentum"]["stats"], ravine["NAG"]["stats"])
        if m["steps"] is not None and n["steps"] is not None
    ]
    first = {k: np.abs(np.diff(v["paths"][v["shown"], :2], axis=0))[0] for k, v in ravine.items()}
    ratio = {k: float(d[0] / d[1]) for k, d in first.items()}
    adaptive = ("AdaGrad", "RMSProp", "Adam")
    eff = m["eff"]
    half = {k: v[-1] / v[len(v) // 2 - 1] for k, v in eff.items()}
    worst_curve = max(c["diff"] for c in curves.values())
    return [
        Claim(
            "Plain GD zig-zags along the steep theta2 and creeps along the flat theta1 "
            "(figure 6.5)",
            bool(
                gd["steps"]
                and gd["x2_flips"] >= 0.9 * gd["steps"]
                and gd["x1_flips"] == 0
                and creep["GD"] > creep["Momentum"]
            ),
            f"GD at its best grid setting ({setting('GD')}): theta2 changed sign on "
            f"{gd['x2_flips']} of {gd['steps']} steps and travelled {gd['x2_path']:.1f} "
            f"(straight: 2.0), while theta1 never changed sign and after 20 steps was still "
            f"at {creep['GD']:.1%} of its start (momentum: {creep['Momentum']:.1%}, NAG: "
            f"{creep['NAG']:.1%})",
            kind="check",
        ),
        Claim(
            "Momentum reaches the minimum in fewer steps than GD and damps the zig-zag "
            "(figure 6.6, eq. 6-21..6-24)",
            bool(
                mom["steps"]
                and gd["steps"]
                and mom["steps"] < gd["steps"]
                and mom["x2_path"] < gd["x2_path"]
            ),
            f"best settings, momentum ({setting('Momentum')}) vs GD ({setting('GD')}): "
            f"{mom['steps']} vs {gd['steps']} steps until within 1e-3 for good; theta2 path "
            f"{mom['x2_path']:.2f} vs {gd['x2_path']:.2f}, sign changes {mom['x2_flips']} vs "
            f"{gd['x2_flips']}",
            kind="check",
        ),
        Claim(
            "Nesterov's look-ahead damps the oscillation faster than momentum (figures 6.7, 6.8)",
            bool(
                nesterov["steps"]
                and nesterov["settle"][1] < mom["settle"][1]
                and nesterov["x2_path"] < mom["x2_path"]
                and all(n <= m for m, n in pairs)
            ),
            f"at momentum's best setting ({setting('Momentum')}): theta2 settles after "
            f"{nesterov['settle'][1]} steps vs {mom['settle'][1]}, theta2 path "
            f"{nesterov['x2_path']:.2f} vs {mom['x2_path']:.2f} (whole run {nesterov['steps']} "
            f"vs {mom['steps']} steps, paced by theta1); NAG's theta2 path <= momentum's at "
            f"{sum(n <= m for m, n in pairs)} of the {len(pairs)} grid settings where both "
            f"converge; best on the grid: NAG {shown('NAG')['steps']}, momentum "
            f"{mom['steps']}, GD {gd['steps']} steps",
            kind="check",
        ),
        Claim(
            "AdaGrad, RMSProp and Adam give each parameter its own learning rate: their "
            "first step is as long along the flat theta1 as along the steep theta2",
            bool(all(abs(ratio[k] - 1) < 1e-6 for k in adaptive) and ratio["GD"] < 0.5),
            "|step theta1| / |step theta2| at step 1: "
            + ", ".join(f"{k} {ratio[k]:.3f}" for k in ("GD", *adaptive))
            + f" (the gradient ratio is {ratio['GD']:.3f})",
            kind="check",
        ),
        Claim(
            "AdaGrad's accumulated squared gradient keeps shrinking its effective learning "
            "rate; RMSProp's moving average (eq. 6-30) stops that",
            bool(half["AdaGrad"] < 1 and half["AdaGrad"] < half["RMSProp"]),
            "median alpha/sqrt(G) over the weights of the digits MLP (each at its tuned lr) "
            "after a tenth of the run, mid-run, at the end: "
            + "; ".join(
                f"{k} {v[0]:.3g}, {v[len(v) // 2 - 1]:.3g}, {v[-1]:.3g} (x{half[k]:.3f} in "
                "the second half)"
                for k, v in eff.items()
            ),
            kind="check",
        ),
        Claim(
            "The chapter's Nesterov step (gradient at theta - alpha*beta*v) and netopt's "
            "SGD(nesterov=True), PyTorch's form, give the same iterates: netopt stores the "
            "look-ahead point",
            nag < 1e-10,
            "digits MLP (float64, 256 images, full batch, lr=0.1, beta=0.9): max |netopt's "
            f"parameter - the chapter's look-ahead point theta - alpha*beta*v| = {nag:.1e}",
            kind="check",
        ),
        Claim(
            "The chapter's momentum (v = g + beta*v, theta -= alpha*v; netopt, PyTorch) and "
            "the v = beta*v - alpha*g, theta += v form agree at a constant learning rate "
            "and part under a schedule",
            forms["constant"] < 1e-12 and forms["StepLR"] > 1e-3,
            f"ravine, 60 steps, max |difference|: constant lr {forms['constant']:.1e}; "
            f"StepLR (halve every 10 steps) {forms['StepLR']:.3g}",
            kind="check",
        ),
        Claim(
            "netopt's schedulers follow their closed forms (step, exponential, cosine, warm "
            "restarts, warm-up + cosine)",
            worst_curve < 1e-12,
            f"max |scheduler - closed form| over 100 epochs of 5 schedules: {worst_curve:.1e}",
            kind="check",
        ),
        Claim(
            "ReduceLROnPlateau cuts the rate only after the monitored loss stops improving "
            f"for more than patience={patience_cfg['patience']} epochs",
            bool(plateau["cuts"]) and plateau["cuts"] == plateau["rule"],
            f"digits MLP, SGD lr=0.3, val loss per epoch "
            f"{[round(v, 3) for v in plateau['val_loss']]}; cuts after epochs "
            f"{plateau['cuts']} (rule recomputed from the losses: {plateau['rule']}); "
            f"lr {plateau['lr'][0]:g} -> {plateau['lr'][-1]:g}",
            kind="check",
        ),
    ]


def comparison_holds(compare: dict[str, Any], names: tuple[str, ...] = WINNERS) -> bool:
    """Each of ``names`` has a lower held-out loss than tuned SGD on more than half of the
    fresh seeds (paired: the same initial weights and batches)."""
    sgd = compare["tuned"]["SGD"].held_out
    return all(2 * int(np.sum(compare["tuned"][k].held_out < sgd)) > len(sgd) for k in names)


def rule_holds(gaps: list[dict[str, float]]) -> bool:
    """The effective-step rule's gap is at most :data:`RULE_GAP` on every seed."""
    return all(g["rule"] <= RULE_GAP for g in gaps)


def thresholds_match(thresholds: list[dict[str, float]], beta: float) -> bool:
    """Measured thresholds within :data:`THRESHOLD_TOLERANCE` of 2/lambda_max and
    (2 + 2 beta)/lambda_max."""
    return all(
        abs(t["gd"] * t["lambda_max"] / 2 - 1) <= THRESHOLD_TOLERANCE
        and abs(t["momentum"] * t["lambda_max"] / (2 + 2 * beta) - 1) <= THRESHOLD_TOLERANCE
        for t in thresholds
    )


def momentum_wider(thresholds: list[dict[str, float]]) -> bool:
    """Momentum's measured threshold is above 1.5 times plain descent's on every seed."""
    return all(t["momentum"] > 1.5 * t["gd"] for t in thresholds)


def _config(c: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:.3g}" for k, v in c.items())


def _findings(m: dict[str, Any]) -> list[Claim]:
    s, cmp = m["settings"], m["compare"]
    tuned = cmp["tuned"]
    sgd = tuned["SGD"].held_out
    spaces = cmp["spaces"]
    wins = {k: count(tuned[k].held_out < sgd) for k in tuned if k != "SGD"}
    gaps, rule = m["rule_gaps"], m["rule"]
    regimes, thr = m["regimes"], m["thresholds"]
    noise = m["noise"]
    n = s.seeds
    untuned = "none: fixed settings, stated in the claim"
    decays = [k for k in noise[0] if k != "constant"]
    return [
        Claim(
            "With every optimizer at its own tuned learning rate (and momentum), NAG, "
            "AdaGrad and RMSProp still train the digits MLP further than plain SGD in the "
            "same number of steps: lower held-out loss on most fresh seeds",
            comparison_holds(cmp),
            f"{cmp['steps']} steps of batch 32; held-out loss over {cmp['fresh']} fresh seeds, "
            + "; ".join(
                f"{k} ({_config(t.config)}) {spread(t.held_out)}"
                + ("" if k == "SGD" else f", below SGD on {wins[k]}")
                for k, t in tuned.items()
            ),
            kind="finding",
            protocol=protocol(
                spaces,
                select=cmp["select"],
                fresh=cmp["fresh"],
                statistic=(
                    "paired over fresh seeds: held-out (test) loss below tuned SGD's on "
                    "more than half of them, for each of " + ", ".join(WINNERS)
                ),
                chosen=[f"{k}: {_config(t.config)}" for k, t in tuned.items()],
                steps=cmp["steps"],
            ),
        ),
        Claim(
            "SGD at learning rate alpha/(1 - beta) follows momentum SGD at (alpha, beta) "
            f"closely for small alpha (the effective-step rule): the training-loss curves "
            f"differ by at most {RULE_GAP:.0%} of the progress made",
            rule_holds(gaps),
            f"alpha={rule['lr']:g}, beta={rule['momentum']:g}, {rule['steps']} steps, same "
            f"weights and batches: largest gap {spread([g['rule'] for g in gaps])} of the "
            f"progress; SGD at alpha itself (rule dropped) "
            f"{spread([g['no rule'] for g in gaps])}; at alpha={rule['large_lr']:g} the "
            f"rule's gap grows to {spread([g['large lr'] for g in gaps])}",
            kind="finding",
            protocol={
                "seeds": n,
                "tuning": untuned,
                "statistic": f"max over the run of |L_SGD - L_mom| / (L(0) - min L_mom) <= "
                f"{RULE_GAP:g} on every seed",
            },
        ),
        Claim(
            "Slide 33: a learning rate too small barely moves the loss, a good one goes "
            "lowest, a too large one makes the loss go up and down without settling, a much "
            "too large one ends worse than it started",
            all(_regimes.regimes_hold(r) for r in regimes),
            "full-batch descent of the digits MLP on 256 images, "
            f"{_regimes.REGIME_STEPS} steps, final loss (start "
            f"{spread([r['good']['curve'][0] for r in regimes])}): "
            + "; ".join(
                f"{k} (lr {lr:g}) {spread([r[k]['final'] for r in regimes])}, loss rose on "
                f"{spread([r[k]['ups'] for r in regimes], 2)} of the steps"
                for k, lr in _regimes.REGIME_LRS.items()
            )
            + f"; the picture holds on {count([_regimes.regimes_hold(r) for r in regimes])}",
            kind="finding",
            protocol={
                "seeds": n,
                "tuning": "none: four fixed learning rates, "
                + ", ".join(f"{k} {v:g}" for k, v in _regimes.REGIME_LRS.items()),
                "statistic": "every seed shows all four regimes (thresholds in the claim's "
                "code: too small >= 0.9 L0, good lowest and <= L0/4, too large rises on >= 10% "
                "of steps and ends > 5x good, divergent ends > L0)",
            },
        ),
        Claim(
            "On a quadratic, descent diverges once the learning rate passes 2/lambda_max, and "
            f"heavy-ball momentum (beta={_regimes.BETA:g}) stays stable up to "
            "(2 + 2 beta)/lambda_max",
            thresholds_match(thr, _regimes.BETA),
            f"{len(thr)} random {_regimes.DIM}-d quadratics, measured threshold x "
            "lambda_max / theory: descent "
            f"{spread([t['gd'] * t['lambda_max'] / 2 for t in thr], 4)}, momentum "
            f"{spread([t['momentum'] * t['lambda_max'] / (2 + 2 * _regimes.BETA) for t in thr], 4)}"
            f" (tolerance {THRESHOLD_TOLERANCE:.0%})",
            kind="check",
        ),
        Claim(
            "Momentum widens the range of stable learning rates (slide 36): its divergence "
            f"threshold is above 1.5x plain descent's (beta={_regimes.BETA:g})",
            momentum_wider(thr),
            "measured threshold ratio momentum / descent: "
            f"{spread([t['momentum'] / t['gd'] for t in thr], 3)}, "
            f"{count([t['momentum'] > 1.5 * t['gd'] for t in thr])}",
            kind="finding",
            protocol={
                "seeds": n,
                "tuning": "none: bisection over the learning rate, 3 rounds of 9 values",
                "statistic": "threshold ratio > 1.5 on every random quadratic",
            },
        ),
        Claim(
            "On noisy mini-batch SGD a constant learning rate stalls at a noise floor; the "
            "decaying schedules (step, exponential, cosine) and ReduceLROnPlateau go at least "
            "2x lower",
            all(_noise.decays_go_lower(r) for r in noise),
            f"least squares, {_noise.N} points, batch {_noise.BATCH}, lr {_noise.LR:g}, "
            f"{_noise.EPOCHS} epochs; excess loss over the last 3 epochs: constant "
            f"{spread([_noise.final(r, 'constant') for r in noise])}; "
            + "; ".join(f"{k} {spread([_noise.final(r, k) for r in noise])}" for k in decays)
            + f"; all 2x lower on {count([_noise.decays_go_lower(r) for r in noise])}",
            kind="finding",
            protocol={
                "seeds": n,
                "tuning": "none: the same starting rate for every schedule",
                "statistic": "every decaying schedule's excess loss <= half the constant's, "
                "on every seed",
            },
        ),
    ]
