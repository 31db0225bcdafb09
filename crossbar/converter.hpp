// Periphery converters: the ADC that digitizes each tile output current and the DAC that
// turns an analog input into a row voltage.
//
// ADC with b bits and full scale FS (signed, mid-tread, round half up, saturating):
//   step = FS / 2^(b-1),  code = clamp(floor(I / step + 1/2), -2^(b-1), 2^(b-1) - 1),
//   I_q = code * step.  b = 0 is an ideal converter: I_q = I.
// DAC with b bits for an input x in [0, x_max] (values outside are clamped):
//   d = floor(clamp(x / x_max, 0, 1) * (2^b - 1) + 1/2) / (2^b - 1),  V = v_read * d.
//   b = 0 keeps d continuous.
#pragma once
#include <algorithm>
#include <cmath>

namespace crossbar {

struct adc_converter {
    int bits = 0;           // 0 = ideal [bit]
    float step_a = 0;       // current of one code [A]
    float code_lo = 0, code_hi = 0;  // saturation codes

    adc_converter() = default;
    adc_converter(int b, double full_scale_a) : bits(b) {
        if (b > 0) {
            const double half = std::ldexp(1.0, b - 1);
            step_a = float(full_scale_a / half);
            code_lo = float(-half);
            code_hi = float(half - 1);
        }
    }
    float full_scale_a() const { return bits > 0 ? step_a * (code_hi + 1) : 0.0f; }
    float convert(float i_a) const {
        if (bits == 0) return i_a;
        const float code = std::clamp(std::floor(i_a / step_a + 0.5f), code_lo, code_hi);
        return code * step_a;
    }
};

inline float dac_level(float x, float x_max, int bits) {
    const float r = std::clamp(x / x_max, 0.0f, 1.0f);
    if (bits == 0) return r;
    const float top = float((1 << bits) - 1);
    return std::floor(r * top + 0.5f) / top;
}

}  // namespace crossbar
