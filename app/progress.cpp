// Progress line on stderr (see progress.hpp).
#include "app/progress.hpp"

#include <unistd.h>

#include <cmath>
#include <utility>

namespace experiments {

std::string format_duration(double s) {
    if (!std::isfinite(s) || s < 0) return "?";
    char buf[32];
    if (s < 10) {
        std::snprintf(buf, sizeof buf, "%.1fs", s);
    } else if (s < 60) {
        std::snprintf(buf, sizeof buf, "%.0fs", std::floor(s));
    } else if (s < 3600) {
        const long t = static_cast<long>(s);
        std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
    } else {
        const long t = static_cast<long>(s / 60);
        std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 60, t % 60);
    }
    return buf;
}

namespace {

std::string format_rate(double r) {
    char buf[32];
    if (!std::isfinite(r)) return "?";
    std::snprintf(buf, sizeof buf, r >= 100 ? "%.0f" : (r >= 10 ? "%.1f" : "%.2f"), r);
    return buf;
}

}  // namespace

progress::progress(std::string label, std::size_t total, progress_options opt, std::FILE* out)
    : label_(std::move(label)), total_(total), opt_(std::move(opt)), out_(out) {
    tty_ = opt_.tty < 0 ? (out_ && ::isatty(::fileno(out_)) == 1) : opt_.tty > 0;
    start_ = now();
}

progress::~progress() {
    if (!finished_) finish();
}

double progress::now() const {
    if (opt_.clock) return opt_.clock();
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string progress::line(std::size_t done, const std::string& tail, bool final) const {
    const double elapsed = now() - start_;
    const double rate = elapsed > 0 ? done / elapsed : NAN;
    std::string s = label_ + "  " + std::to_string(done) + "/" + std::to_string(total_);
    if (!final && total_ > 0) {
        s += "  " + std::to_string(100 * done / total_) + "%";
    }
    if (std::isfinite(rate)) s += "  " + format_rate(rate) + " " + opt_.unit + "/s";
    if (final) {
        s += "  done in " + format_duration(elapsed);
    } else if (done > 0 && done < total_ && std::isfinite(rate) && rate > 0) {
        s += "  ETA " + format_duration((total_ - done) / rate);
    }
    if (!tail.empty()) s += "  " + tail;
    return s;
}

void progress::update(std::size_t done, const std::string& tail) {
    done_ = done;
    updated_ = true;
    if (!tty_ || finished_) return;
    const double t = now();
    if (opt_.max_rate_hz > 0 && t - last_draw_ < 1.0 / opt_.max_rate_hz) return;
    last_draw_ = t;
    const std::string s = line(done, tail, false);
    // Pad with blanks to wipe the rest of a longer previous line.
    const std::size_t pad = last_width_ > s.size() ? last_width_ - s.size() : 0;
    std::fprintf(out_, "\r%s%*s", s.c_str(), static_cast<int>(pad), "");
    std::fflush(out_);
    last_width_ = s.size() + pad;  // the padding now covers the old line on screen
}

void progress::finish(const std::string& tail) {
    if (finished_) return;
    finished_ = true;
    if (!tty_ && !opt_.summary) return;
    if (!updated_) done_ = total_;
    const std::string s = line(done_, tail, true);
    if (tty_) {
        const std::size_t pad = last_width_ > s.size() ? last_width_ - s.size() : 0;
        std::fprintf(out_, "\r%s%*s\n", s.c_str(), static_cast<int>(pad), "");
    } else {
        std::fprintf(out_, "%s\n", s.c_str());
    }
    std::fflush(out_);
}

}  // namespace experiments
