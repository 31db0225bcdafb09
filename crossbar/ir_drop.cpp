// Before any Eigen include: GCC 12 reports a false -Wmaybe-uninitialized inside Eigen's AVX-512 packet code
// (the selfadjoint rank update); the warning is in the intrinsics header, not here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "crossbar/ir_drop.hpp"


#include <Eigen/Cholesky>
#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>
#include <cmath>
#include <stdexcept>
#include <string>

namespace crossbar {
namespace {

// The tile as a graph of conductances after ideal (zero-ohm) connections are merged.
// Node ids: src_i = i, gnd_j = R + j (the ports), then free nodes. Edges are stored
// cell by cell: the device (i,j), the row wire to (i,j+1), the column wire to (i+1,j),
// the source resistor at j = 0 and the sink resistor at i = R-1 belong to cell (i,j).
struct network {
    int rows = 0, cols = 0, n_ports = 0, n_nodes = 0;
    std::vector<int> row_node, col_node;  // [R*C] node id of row / column node (i,j)
    std::vector<int> edge_a, edge_b;
    std::vector<double> edge_g;
    std::vector<int> cell_begin;  // [R*C + 1] edges of cell c are [cell_begin[c], cell_begin[c+1])
};

void check_inputs(const double* g_s, int rows, int cols, const wire_params& w) {
    if (rows < 1 || cols < 1)
        throw std::invalid_argument("crossbar tile must have at least one row and one column, got " +
                                    std::to_string(rows) + " x " + std::to_string(cols));
    for (long k = 0; k < long(rows) * cols; ++k)
        if (!(g_s[k] >= 0) || !std::isfinite(g_s[k]))
            throw std::invalid_argument("conductance G[" + std::to_string(k / cols) + "][" +
                                        std::to_string(k % cols) + "] = " + std::to_string(g_s[k]) +
                                        " must be finite and >= 0 [S]");
    w.validate();
}

network build_network(const double* g_s, int rows, int cols, const wire_params& w) {
    check_inputs(g_s, rows, cols, w);
    network n;
    n.rows = rows;
    n.cols = cols;
    n.n_ports = rows + cols;
    int next = n.n_ports;
    const bool ideal_row = w.r_row_ohm == 0, ideal_col = w.r_col_ohm == 0;
    const bool ideal_src = w.r_source_ohm == 0, ideal_sink = w.r_sink_ohm == 0;
    n.row_node.resize(std::size_t(rows) * cols);
    n.col_node.resize(std::size_t(rows) * cols);
    for (int i = 0; i < rows; ++i) {
        for (int j = 0; j < cols; ++j) {
            int id;
            if (j == 0)
                id = ideal_src ? i : next++;
            else
                id = ideal_row ? n.row_node[std::size_t(i) * cols] : next++;
            n.row_node[std::size_t(i) * cols + j] = id;
        }
    }
    for (int j = 0; j < cols; ++j) {
        for (int i = rows - 1; i >= 0; --i) {
            int id;
            if (i == rows - 1)
                id = ideal_sink ? rows + j : next++;
            else
                id = ideal_col ? n.col_node[std::size_t(rows - 1) * cols + j] : next++;
            n.col_node[std::size_t(i) * cols + j] = id;
        }
    }
    n.n_nodes = next;
    const std::size_t cells = std::size_t(rows) * cols;
    n.cell_begin.reserve(cells + 1);
    n.edge_a.reserve(3 * cells + rows + cols);
    n.edge_b.reserve(3 * cells + rows + cols);
    n.edge_g.reserve(3 * cells + rows + cols);
    auto add = [&](int a, int b, double g) {
        if (g == 0 || a == b) return;
        n.edge_a.push_back(a);
        n.edge_b.push_back(b);
        n.edge_g.push_back(g);
    };
    for (int i = 0; i < rows; ++i) {
        for (int j = 0; j < cols; ++j) {
            const std::size_t c = std::size_t(i) * cols + j;
            n.cell_begin.push_back(int(n.edge_a.size()));
            add(n.row_node[c], n.col_node[c], g_s[c]);
            if (j + 1 < cols && !ideal_row) add(n.row_node[c], n.row_node[c + 1], 1 / w.r_row_ohm);
            if (i + 1 < rows && !ideal_col) add(n.col_node[c], n.col_node[c + cols], 1 / w.r_col_ohm);
            if (j == 0 && !ideal_src) add(i, n.row_node[c], 1 / w.r_source_ohm);
            if (i == rows - 1 && !ideal_sink) add(n.col_node[c], rows + j, 1 / w.r_sink_ohm);
        }
    }
    n.cell_begin.push_back(int(n.edge_a.size()));
    return n;
}

// ---- nested dissection with dense frontal matrices -----------------------------------

// A subdomain (rectangle of cells) reduced to its boundary: the Schur complement of
// its edges' nodal matrix onto the nodes it shares with other cells or that are ports.
struct front {
    std::vector<int> nodes;  // global node ids, in the order of k's rows
    std::vector<int> count;  // cells of this subdomain that touch each node
    Eigen::MatrixXd k;       // symmetric [S]
};

class dissection {
public:
    explicit dissection(const network& n) : net_(n), local_(n.n_nodes, -1), total_(n.n_nodes, 0) {
        // total_[v]: number of cells with an edge at v. A node is interior to a subdomain
        // once the subdomain holds all of them.
        std::vector<int> stamp(n.n_nodes, -1);
        for (int c = 0; c + 1 < int(n.cell_begin.size()); ++c) {
            for (int e = n.cell_begin[c]; e < n.cell_begin[c + 1]; ++e) {
                for (int v : {n.edge_a[e], n.edge_b[e]}) {
                    if (stamp[v] != c) {
                        stamp[v] = c;
                        ++total_[v];
                    }
                }
            }
        }
    }

    front reduce(int i0, int i1, int j0, int j1) {
        const int h = i1 - i0, w = j1 - j0;
        if (h * w <= leaf_cells) return leaf(i0, i1, j0, j1);
        if (w >= h) {
            const int jm = j0 + w / 2;
            front a = reduce(i0, i1, j0, jm);
            front b = reduce(i0, i1, jm, j1);
            return merge(a, b);
        }
        const int im = i0 + h / 2;
        front a = reduce(i0, im, j0, j1);
        front b = reduce(im, i1, j0, j1);
        return merge(a, b);
    }

private:
    static constexpr int leaf_cells = 16;

    bool eliminable(int v, int count) const { return v >= net_.n_ports && count == total_[v]; }

    // Puts the nodes to eliminate first; sets local_[v] to the position. Returns how many.
    int order(std::vector<int>& nodes, std::vector<int>& count) {
        std::vector<int> nn, cc;
        nn.reserve(nodes.size());
        cc.reserve(nodes.size());
        for (int pass = 0; pass < 2; ++pass)
            for (std::size_t t = 0; t < nodes.size(); ++t)
                if (eliminable(nodes[t], count[t]) == (pass == 0)) {
                    nn.push_back(nodes[t]);
                    cc.push_back(count[t]);
                }
        int n_elim = 0;
        for (std::size_t t = 0; t < nn.size(); ++t) {
            local_[nn[t]] = int(t);
            if (eliminable(nn[t], cc[t])) ++n_elim;
        }
        nodes.swap(nn);
        count.swap(cc);
        return n_elim;
    }

    front leaf(int i0, int i1, int j0, int j1) {
        front f;
        for (int i = i0; i < i1; ++i) {
            for (int j = j0; j < j1; ++j) {
                const int c = i * net_.cols + j;
                for (int e = net_.cell_begin[c]; e < net_.cell_begin[c + 1]; ++e) {
                    for (int v : {net_.edge_a[e], net_.edge_b[e]}) {
                        if (local_[v] < 0) {
                            local_[v] = int(f.nodes.size());
                            f.nodes.push_back(v);
                            f.count.push_back(0);
                            stamp_.push_back(-1);
                        }
                        const int p = local_[v];  // count each node once per cell
                        if (stamp_[p] != c) {
                            stamp_[p] = c;
                            ++f.count[p];
                        }
                    }
                }
            }
        }
        stamp_.clear();
        for (int v : f.nodes) local_[v] = -1;
        const int n_elim = order(f.nodes, f.count);
        const int n = int(f.nodes.size());
        f.k.setZero(n, n);
        for (int i = i0; i < i1; ++i) {
            for (int j = j0; j < j1; ++j) {
                const int c = i * net_.cols + j;
                for (int e = net_.cell_begin[c]; e < net_.cell_begin[c + 1]; ++e) {
                    const int a = local_[net_.edge_a[e]], b = local_[net_.edge_b[e]];
                    const double g = net_.edge_g[e];
                    f.k(a, a) += g;
                    f.k(b, b) += g;
                    f.k(a, b) -= g;
                    f.k(b, a) -= g;
                }
            }
        }
        for (int v : f.nodes) local_[v] = -1;
        eliminate(f, n_elim);
        return f;
    }

    front merge(const front& a, const front& b) {
        front f;
        f.nodes.reserve(a.nodes.size() + b.nodes.size());
        f.count.reserve(a.nodes.size() + b.nodes.size());
        for (std::size_t t = 0; t < a.nodes.size(); ++t) {
            local_[a.nodes[t]] = int(f.nodes.size());
            f.nodes.push_back(a.nodes[t]);
            f.count.push_back(a.count[t]);
        }
        for (std::size_t t = 0; t < b.nodes.size(); ++t) {
            const int v = b.nodes[t];
            if (local_[v] >= 0) {
                f.count[local_[v]] += b.count[t];
            } else {
                local_[v] = int(f.nodes.size());
                f.nodes.push_back(v);
                f.count.push_back(b.count[t]);
            }
        }
        for (int v : f.nodes) local_[v] = -1;
        const int n_elim = order(f.nodes, f.count);
        const int n = int(f.nodes.size());
        f.k.setZero(n, n);
        scatter(a, f.k);
        scatter(b, f.k);
        for (int v : f.nodes) local_[v] = -1;
        eliminate(f, n_elim);
        return f;
    }

    void scatter(const front& src, Eigen::MatrixXd& dst) const {
        const int m = int(src.nodes.size());
        std::vector<int> pos(m);
        for (int t = 0; t < m; ++t) pos[t] = local_[src.nodes[t]];
        for (int c = 0; c < m; ++c) {
            const int pc = pos[c];
            for (int r = 0; r < m; ++r) dst(pos[r], pc) += src.k(r, c);
        }
    }

    // Schur complement onto the trailing nodes: K22 - K21 K11^-1 K12, via K11 = L L^T.
    static void eliminate(front& f, int n_elim) {
        const int n = int(f.nodes.size());
        const int m = n - n_elim;
        if (n_elim > 0) {
            Eigen::Ref<Eigen::MatrixXd> k11 = f.k.topLeftCorner(n_elim, n_elim);
            Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>> llt(k11);  // in place
            if (llt.info() != Eigen::Success)
                throw std::runtime_error("crossbar nodal matrix is not positive definite");
            if (m > 0) {
                auto x = f.k.topRightCorner(n_elim, m);
                llt.matrixL().solveInPlace(x);
                f.k.bottomRightCorner(m, m).selfadjointView<Eigen::Lower>().rankUpdate(
                    x.transpose(), -1.0);
            }
        }
        Eigen::MatrixXd s(m, m);
        for (int c = 0; c < m; ++c)
            for (int r = c; r < m; ++r) s(r, c) = s(c, r) = f.k(n_elim + r, n_elim + c);
        f.k.swap(s);
        f.nodes.erase(f.nodes.begin(), f.nodes.begin() + n_elim);
        f.count.erase(f.count.begin(), f.count.begin() + n_elim);
    }

    const network& net_;
    std::vector<int> local_;  // scratch: global node id -> position in the front being built
    std::vector<int> total_;
    std::vector<int> stamp_;
};

}  // namespace

nodal_solution solve_nodal(const double* g_s, int rows, int cols, const wire_params& w,
                           const double* v_v) {
    const network n = build_network(g_s, rows, cols, w);
    const int n_free = n.n_nodes - n.n_ports;
    std::vector<double> x(n.n_nodes, 0.0);
    for (int i = 0; i < rows; ++i) x[i] = v_v[i];  // gnd ports stay at 0 V
    if (n_free > 0) {
        std::vector<Eigen::Triplet<double>> trip;
        trip.reserve(4 * n.edge_g.size());
        Eigen::VectorXd rhs = Eigen::VectorXd::Zero(n_free);
        for (std::size_t e = 0; e < n.edge_g.size(); ++e) {
            const int a = n.edge_a[e], b = n.edge_b[e];
            const double g = n.edge_g[e];
            const bool fa = a >= n.n_ports, fb = b >= n.n_ports;
            const int ua = a - n.n_ports, ub = b - n.n_ports;
            if (fa) trip.emplace_back(ua, ua, g);
            if (fb) trip.emplace_back(ub, ub, g);
            if (fa && fb) {
                trip.emplace_back(ua, ub, -g);
                trip.emplace_back(ub, ua, -g);
            } else if (fa) {
                rhs[ua] += g * x[b];
            } else if (fb) {
                rhs[ub] += g * x[a];
            }
        }
        Eigen::SparseMatrix<double> k(n_free, n_free);
        k.setFromTriplets(trip.begin(), trip.end());
        Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> ldlt(k);
        if (ldlt.info() != Eigen::Success)
            throw std::runtime_error("crossbar nodal matrix is not positive definite");
        const Eigen::VectorXd u = ldlt.solve(rhs);
        for (int t = 0; t < n_free; ++t) x[n.n_ports + t] = u[t];
    }
    nodal_solution s;
    s.rows = rows;
    s.cols = cols;
    s.v_row_v.resize(n.row_node.size());
    s.v_col_v.resize(n.col_node.size());
    for (std::size_t c = 0; c < n.row_node.size(); ++c) {
        s.v_row_v[c] = x[n.row_node[c]];
        s.v_col_v[c] = x[n.col_node[c]];
    }
    s.i_out_a.assign(cols, 0.0);
    s.i_source_a.assign(rows, 0.0);
    for (std::size_t e = 0; e < n.edge_g.size(); ++e) {
        const int a = n.edge_a[e], b = n.edge_b[e];
        const double i_ab = n.edge_g[e] * (x[a] - x[b]);  // current from a to b
        if (a < rows) s.i_source_a[a] += i_ab;
        if (b < rows) s.i_source_a[b] -= i_ab;
        if (a >= rows && a < n.n_ports) s.i_out_a[a - rows] -= i_ab;
        if (b >= rows && b < n.n_ports) s.i_out_a[b - rows] += i_ab;
    }
    return s;
}

transfer build_transfer(const double* g_s, int rows, int cols, const wire_params& w) {
    const network n = build_network(g_s, rows, cols, w);
    dissection d(n);
    const front root = d.reduce(0, rows, 0, cols);
    // Root holds only ports: K_pp - K_pu K_uu^-1 K_up. The current out of port p into the
    // network is (K x)_p, so I_source = K_ss V and I_out = -(K_gs V) with grounds at 0 V.
    transfer t;
    t.m_s.setZero(cols, rows);
    t.s_s.setZero(rows, rows);
    const int np = int(root.nodes.size());
    for (int c = 0; c < np; ++c) {
        const int vc = root.nodes[c];
        if (vc >= rows) continue;  // only source columns are driven
        for (int r = 0; r < np; ++r) {
            const int vr = root.nodes[r];
            if (vr < rows)
                t.s_s(vr, vc) = root.k(r, c);
            else
                t.m_s(vr - rows, vc) = -root.k(r, c);
        }
    }
    return t;
}

}  // namespace crossbar
