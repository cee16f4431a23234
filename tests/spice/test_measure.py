"""Measurements on synthetic responses with known answers, and on the shipped op-amps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from circuitforge.examples import example_path
from circuitforge.netlists.errors import ResolutionError
from circuitforge.spice.measure import (
    Measurement,
    bandwidth_3db,
    cmrr,
    dc_gain,
    gain_bandwidth,
    gain_margin,
    input_referred_noise,
    measure_opamp,
    offset,
    output_swing,
    phase_margin,
    power,
    settling_time,
    slew_rate,
    unity_gain_bandwidth,
)

A0, P1, P2 = 1e4, 1e4, 50e6  # 80 dB, poles at 10 kHz and 50 MHz
F = np.logspace(0, 10, 2001)


def two_pole(f: np.ndarray, a0: float = A0, p1: float = P1, p2: float = P2) -> np.ndarray:
    s = 1j * f
    return a0 / ((1 + s / p1) * (1 + s / p2))


def analytic_ugb(a0: float = A0, p1: float = P1, p2: float = P2) -> float:
    # |H|^2 = 1  <=>  (1 + x/p1^2)(1 + x/p2^2) = a0^2 with x = f^2
    a, b, c = 1 / (p1 * p2) ** 2, 1 / p1**2 + 1 / p2**2, 1 - a0**2
    return math.sqrt((-b + math.sqrt(b * b - 4 * a * c)) / (2 * a))


def test_two_pole_gain_ugb_pm() -> None:
    h = two_pole(F)
    assert dc_gain(F, h).value == pytest.approx(80.0, abs=1e-6)
    fu = analytic_ugb()
    assert unity_gain_bandwidth(F, h).value == pytest.approx(fu, rel=2e-3)
    pm = 180 - math.degrees(math.atan(fu / P1) + math.atan(fu / P2))
    assert phase_margin(F, h).value == pytest.approx(pm, abs=0.3)
    assert bandwidth_3db(F, h).value == pytest.approx(P1, rel=2e-3)
    assert gain_bandwidth(F, h).value == pytest.approx(A0 * P1, rel=3e-3)


def test_phase_that_rises_past_zero_is_a_negative_margin_not_more_than_180() -> None:
    # a phase that rises (right-half-plane singularities) to +φ at the crossing is 180° - φ past -180°:
    # the margin is 180° + φ - 360°, never a margin above 180°
    h = np.conj(two_pole(F))
    fu = analytic_ugb()
    rise = math.degrees(math.atan(fu / P1) + math.atan(fu / P2))
    assert phase_margin(F, h).value == pytest.approx(180 + rise - 360, abs=0.3)
    # the amplifier seen with its inputs swapped (180° at DC): a negative margin, not 180° + pm
    pm = phase_margin(F, two_pole(F)).value
    assert phase_margin(F, -two_pole(F)).value == pytest.approx(pm - 180, abs=1e-6)


def test_inverting_reference_gives_same_pm() -> None:
    h = two_pole(F)
    assert phase_margin(F, -h, inverting=True).value == pytest.approx(phase_margin(F, h).value, abs=1e-9)


def test_gain_margin_three_poles() -> None:
    p = 1e6  # three equal poles: -180 deg at sqrt(3) p, where |H| = A0 / 8
    h = 100 / (1 + 1j * F / p) ** 3
    gm = gain_margin(F, h)
    assert gm.value == pytest.approx(-20 * math.log10(100 / 8), abs=0.05)
    assert dict(gm.info)["f180"] == pytest.approx(math.sqrt(3) * p, rel=2e-3)


def test_reasons_instead_of_values() -> None:
    h = two_pole(F)
    f_low = F[F < 1e6]
    m = unity_gain_bandwidth(f_low, h[F < 1e6])
    assert m.value is None and "never crosses 0 dB below" in m.reason
    assert phase_margin(f_low, h[F < 1e6]).value is None
    assert gain_margin(F, two_pole(F, p2=1e12)).reason.startswith("phase never reaches -180")
    assert unity_gain_bandwidth(F, 0.5 * np.ones_like(F)).reason.startswith("gain is below 0 dB")
    assert dc_gain(F, np.full(F.shape, np.nan)).reason == "the response holds NaN or infinite values"
    with pytest.raises(ValueError):
        Measurement("x", float("nan"), "V")


def test_step_response_slew_and_settling() -> None:
    t = np.linspace(0, 100e-9, 10001)
    t0, sr, dv = 10e-9, 50e6, 0.4  # slews at 50 V/us for 8 ns, then settles with tau = 2 ns
    ramp_end = t0 + dv * 0.9 / sr
    v = np.where(t < t0, 0.3, 0.3 + sr * (t - t0))
    tail = t >= ramp_end
    v[tail] = 0.7 - 0.1 * dv * np.exp(-(t[tail] - ramp_end) / 2e-9)
    assert slew_rate(t, v, t_step=t0).value == pytest.approx(sr, rel=1e-2)
    ts = settling_time(t, v, t_step=t0, tol=0.01).value
    expected = ramp_end - t0 + 2e-9 * math.log(0.1 / 0.01)
    assert ts == pytest.approx(expected, rel=2e-2)
    unsettled = 0.3 + 0.4 * (1 - np.exp(-np.clip(t - t0, 0, None) / 50e-9))
    assert settling_time(t, unsettled, t_step=t0).value is None
    assert slew_rate(t, np.full(t.shape, 0.5), t_step=t0).reason.startswith("the output does not move")


def test_swing_power_offset_cmrr_noise() -> None:
    vin = np.linspace(-0.1, 0.1, 401)
    vout = np.clip(0.5 - 10 * vin, 0.1, 0.9)  # gain -10, clipped at 0.1 V and 0.9 V
    sw = output_swing(vin, vout, tol=0.1)
    assert sw.value == pytest.approx(0.8, abs=0.011)
    assert dict(sw.info)["low"] == pytest.approx(0.1, abs=0.006)
    assert output_swing(vin, 0.5 - 10 * vin).value is None
    assert power(-1e-4, 1.0).value == pytest.approx(1e-4)
    assert offset(0.501, 0.5).value == pytest.approx(1e-3)
    c = cmrr(F, two_pole(F), 0.01 * np.ones_like(F))
    assert c.value == pytest.approx(120.0, abs=1e-6)
    white = np.full(F.shape, 10e-9)
    assert input_referred_noise(F, white, at=1e3).value == pytest.approx(10e-9, rel=1e-9)
    rms = input_referred_noise(F, white, band=(1e3, 1e6)).value
    assert rms == pytest.approx(10e-9 * math.sqrt(1e6 - 1e3), rel=1e-2)


def test_unknown_measurement_is_resolution_error() -> None:
    with pytest.raises(ResolutionError, match="among choices"):
        measure_opamp(example_path("opamp_miller45.cir"), which=("bogus",))


@pytest.mark.parametrize("name, gain, ugbw, pm", [
    ("opamp_miller45.cir", (45, 70), (20e6, 500e6), (55, 85)),
    ("opamp_foldedcascode45.cir", (40, 60), (50e6, 1e9), (60, 90)),
])
def test_example_opamps_are_plausible(name: str, gain: tuple, ugbw: tuple, pm: tuple) -> None:
    m = measure_opamp(example_path(name), "generic45",
                      which=("gain", "ugbw", "pm", "power", "offset", "slew"))
    assert gain[0] < m["gain"].value < gain[1]
    assert ugbw[0] < m["ugbw"].value < ugbw[1]
    assert pm[0] < m["pm"].value < pm[1]
    assert 10e-6 < m["power"].value < 500e-6
    assert abs(m["offset"].value) < 10e-3
    assert m["slew"].value > 10e6
