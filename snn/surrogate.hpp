// Surrogate spike functions for BPTT. The forward pass spikes with the Heaviside
// step H(x), x = u - threshold; the backward pass uses the derivative of a smooth
// step sigma(x) instead. Each sigma rises from 0 to 1, so its derivative integrates
// to 1; alpha sets the sharpness [1/weight units].
//   fast_sigmoid: sigma(x) = 1/2 + (alpha x / 2) / (1 + alpha |x|),  sigma' = (alpha/2) / (1 + alpha|x|)^2
//   arctan:       sigma(x) = 1/2 + atan(pi/2 alpha x) / pi,          sigma' = (alpha/2) / (1 + (pi/2 alpha x)^2)
//   triangle:     sigma'(x) = alpha * max(0, 1 - alpha |x|)          (sigma piecewise quadratic)
#pragma once
#include <algorithm>
#include <cmath>
#include <string>

namespace snn {

enum class surrogate_kind { fast_sigmoid, arctan, triangle };

surrogate_kind parse_surrogate(const std::string& name);  // throws config_error

struct surrogate {
    surrogate_kind kind = surrogate_kind::fast_sigmoid;
    double alpha = 4.0;

    template <class F>
    F value(F x) const {
        const F a = static_cast<F>(alpha);
        switch (kind) {
            case surrogate_kind::fast_sigmoid:
                return F(0.5) + F(0.5) * a * x / (F(1) + a * std::abs(x));
            case surrogate_kind::arctan:
                return F(0.5) + std::atan(F(M_PI / 2) * a * x) / F(M_PI);
            case surrogate_kind::triangle: {
                const F ax = a * std::abs(x);
                if (ax >= F(1)) return x > 0 ? F(1) : F(0);
                const F half = ax - ax * ax / F(2);
                return x > 0 ? F(0.5) + half : F(0.5) - half;
            }
        }
        return F(0);
    }

    // sigma'(x) for a kind fixed at compile time (the BPTT inner loop uses this).
    template <surrogate_kind K, class F>
    static F grad_of(F x, F a) {
        if constexpr (K == surrogate_kind::fast_sigmoid) {
            const F d = F(1) + a * std::abs(x);
            return F(0.5) * a / (d * d);
        } else if constexpr (K == surrogate_kind::arctan) {
            const F z = F(M_PI / 2) * a * x;
            return F(0.5) * a / (F(1) + z * z);
        } else {
            return a * std::max(F(0), F(1) - a * std::abs(x));
        }
    }

    template <class F>
    F grad(F x) const {
        const F a = static_cast<F>(alpha);
        switch (kind) {
            case surrogate_kind::fast_sigmoid: return grad_of<surrogate_kind::fast_sigmoid>(x, a);
            case surrogate_kind::arctan: return grad_of<surrogate_kind::arctan>(x, a);
            case surrogate_kind::triangle: return grad_of<surrogate_kind::triangle>(x, a);
        }
        return F(0);
    }
};

}  // namespace snn
