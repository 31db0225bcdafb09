// The per-sample scores the softmax policies threshold, computed from one row of S_t.
//
// Arithmetic (fixed, so that online and offline decisions agree bit for bit):
//   top   = argmax_j S_j, the lowest index among equal maxima (float compare, no softmax)
//   d_j   = (double(S_j) - double(S_top)) / tau         <= 0, d_top = 0
//   e_j   = exp(d_j)                                     e_top = 1
//   R     = sum_{j != top} e_j, summed in increasing j   ("rest mass")
//   Z     = 1 + R                                        softmax denominator
//   p_max = 1 / Z,   p_2 = e_second / Z  where e_second = max_{j != top} e_j
//   H     = ln Z - (sum_{j != top, e_j > 0} e_j * d_j) / Z = -sum_j p_j ln p_j
// All in double from the float32 S, with std::exp/std::log of the one build. Shifting by the
// maximum keeps every exp in (0, 1], so no overflow whatever the logit scale.
#pragma once
#include <cmath>

namespace earlyexit {

// Lowest index among the maxima of s[0..k). NaN entries never win against a number.
inline int argmax_row(const float* s, int k) {
    int top = 0;
    for (int j = 1; j < k; ++j)
        if (s[j] > s[top] || (std::isnan(s[top]) && !std::isnan(s[j]))) top = j;
    return top;
}

struct softmax_scores {
    int top = 0;          // argmax of S (lowest index on ties)
    double rest = 0.0;    // R = sum_{j != top} exp(d_j)
    double second = 0.0;  // e_second = max_{j != top} exp(d_j), 0 when K = 1
    double dot = 0.0;     // sum_{j != top} exp(d_j) * d_j (terms with exp(d_j) = 0 skipped)
};

// need_dot: whether to accumulate the entropy term (costs nothing to skip otherwise).
inline softmax_scores score_row(const float* s, int k, double tau, bool need_dot) {
    softmax_scores r;
    r.top = argmax_row(s, k);
    const double st = static_cast<double>(s[r.top]);
    for (int j = 0; j < k; ++j) {
        if (j == r.top) continue;
        const double d = (static_cast<double>(s[j]) - st) / tau;
        const double e = std::exp(d);
        r.rest += e;
        if (e > r.second) r.second = e;
        if (need_dot && e > 0.0) r.dot += e * d;
    }
    return r;
}

// H / ln K clamped to [0, 1]: the clamp removes rounding past the bounds, so a threshold of 1
// always fires and 0 fires only on a one-hot softmax. Defined as 0 for K = 1.
inline double normalized_entropy(const softmax_scores& r, int k) {
    if (k < 2) return 0.0;
    const double z = 1.0 + r.rest;
    const double h = (std::log(z) - r.dot / z) / std::log(static_cast<double>(k));
    return h < 0.0 ? 0.0 : (h > 1.0 ? 1.0 : h);
}

}  // namespace earlyexit
