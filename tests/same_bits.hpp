// Bit-for-bit equality of two float vectors, the check of every determinism test.
#pragma once
#include <cstring>
#include <vector>

namespace test_support {

inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    // memcmp of an empty vector's null data() is undefined (UBSan reports it).
    return a.size() == b.size() &&
           (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

}  // namespace test_support
