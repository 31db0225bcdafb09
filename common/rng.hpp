// Counter-based random numbers.
//
// Every random draw in spikebar is a pure function of a key tuple (for example
// seed, chip, layer, tile, row, col) and a counter, never of call order, so results
// do not depend on thread count, batch size or which samples are still active.
//
// The key words are folded with the SplitMix64 finalizer (Steele, Lea & Flood,
// "Fast splittable pseudorandom number generators", OOPSLA 2014); draw i of a key
// is splitmix64(key + (i + 1) * golden_gamma), which is SplitMix64's own stream.
#pragma once
#include <cmath>
#include <cstdint>
#include <initializer_list>

namespace spikebar {

constexpr std::uint64_t golden_gamma = 0x9e3779b97f4a7c15ULL;

constexpr std::uint64_t splitmix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// Fold a key tuple into one 64-bit stream key. Order of the words matters.
inline std::uint64_t hash_key(std::initializer_list<std::uint64_t> words) {
    std::uint64_t h = 0x6a09e667f3bcc909ULL;  // sqrt(2) fraction: any odd constant works
    for (std::uint64_t w : words) h = splitmix64(h ^ splitmix64(w + golden_gamma));
    return h;
}

// Continues a fold: hash_extend(hash_key({a, b}), {c, d}) == hash_key({a, b, c, d}), so a
// key's fixed leading words (e.g. seed, stream, chip) are folded once and reused.
inline std::uint64_t hash_extend(std::uint64_t h, std::initializer_list<std::uint64_t> words) {
    for (std::uint64_t w : words) h = splitmix64(h ^ splitmix64(w + golden_gamma));
    return h;
}

// Stateless access: draw number `counter` of the stream named by `key`.
struct counter_rng {
    std::uint64_t key;

    explicit counter_rng(std::uint64_t k) : key(k) {}
    counter_rng(std::initializer_list<std::uint64_t> words) : key(hash_key(words)) {}

    std::uint64_t bits(std::uint64_t counter) const {
        return splitmix64(key + (counter + 1) * golden_gamma);
    }
    // Uniform in [0, 1) with 53 random bits.
    double uniform(std::uint64_t counter) const {
        return static_cast<double>(bits(counter) >> 11) * 0x1.0p-53;
    }
    // Uniform in (0, 1]: safe as the argument of log.
    double uniform_open0(std::uint64_t counter) const {
        return static_cast<double>((bits(counter) >> 11) + 1) * 0x1.0p-53;
    }
    // Standard normal from draws 2*counter and 2*counter+1 (Box-Muller, cosine branch).
    double normal(std::uint64_t counter) const {
        const double u1 = uniform_open0(2 * counter);
        const double u2 = uniform(2 * counter + 1);
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
};

// Sequential access to one keyed stream; owned by a single thread.
class counter_stream {
public:
    explicit counter_stream(std::uint64_t key) : rng_(key) {}
    counter_stream(std::initializer_list<std::uint64_t> words) : rng_(words) {}

    std::uint64_t bits() { return rng_.bits(next_++); }
    double uniform() { return rng_.uniform(next_++); }
    double normal() { return rng_.normal(next_++); }
    // Uniform integer in [0, n) (Lemire's multiply-shift; bias < n / 2^64).
    std::uint64_t below(std::uint64_t n) {
        __extension__ using u128 = unsigned __int128;
        return static_cast<std::uint64_t>((static_cast<u128>(bits()) * n) >> 64);
    }

private:
    counter_rng rng_;
    std::uint64_t next_ = 0;
};

}  // namespace spikebar
