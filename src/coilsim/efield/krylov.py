"""GMRES with a recycled deflation space for many right-hand sides of one operator.

Every coil placement on a leg solves the same BEM system with a new right-hand side. Plain
GMRES spends most of its iterations on the few eigenvalues of the operator that lie far from
the cluster at 1 (thin layers, high contrast); they belong to the mesh, not to the coil. After
the first solve this solver keeps ``k`` harmonic Ritz vectors of its Krylov space (GMRES-DR,
Morgan 2002) as U with C = A U orthonormal, and every later solve runs GMRES on
(I − C Cᵀ) A in the complement, minimising over span(U) ∪ Krylov jointly (GCRO, de Sturler
1996; the recycling of Parks et al. 2006 with a fixed space). The residual is checked against
the true operator at the end.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla


class RecycledGMRES:
    """Solve A x = b for a sequence of b, recycling a deflation space between solves.

    Parameters
    ----------
    matvec : callable (n,) -> (n,)
    n : int
        System size.
    k : int
        Dimension of the recycled space (harmonic Ritz vectors of the first solve).
    restart : int
        Krylov vectors per cycle.
    """

    def __init__(self, matvec, n: int, *, k: int = 20, restart: int = 200):
        self.matvec = matvec
        self.n = int(n)
        self.k = int(k)
        self.restart = int(restart)
        self.U = None
        self.C = None

    def solve(self, b: np.ndarray, rtol: float, maxiter: int):
        """(x, iterations, converged) with ‖b − A x‖ ≤ rtol ‖b‖ (estimated by the Arnoldi
        recurrence; the caller checks the true residual)."""
        b = np.asarray(b, dtype=np.float64)
        bn = float(np.linalg.norm(b))
        x = np.zeros(self.n)
        r = b.copy()
        its = 0
        for _ in range(maxiter):
            if self.U is not None:       # best x in span(U); the rest of r is ⟂ C
                z = self.C.T @ r
                x += self.U @ z
                r -= self.C @ z
            beta = float(np.linalg.norm(r))
            if beta <= rtol * bn:
                return x, its, True
            m = min(self.restart, self.n)
            V = np.empty((self.n, m + 1))
            H = np.zeros((m + 1, m))
            B = np.zeros((0 if self.C is None else self.C.shape[1], m))
            V[:, 0] = r / beta
            g = np.zeros(m + 1)
            g[0] = beta
            cs, sn = np.zeros(m), np.zeros(m)
            R = np.zeros((m + 1, m))
            j_end = m
            for j in range(m):
                w = self.matvec(V[:, j])
                its += 1
                if self.C is not None:
                    bj = self.C.T @ w
                    w -= self.C @ bj
                    B[:, j] = bj
                for _pass in range(2):                       # CGS2 keeps V orthonormal
                    h = V[:, :j + 1].T @ w
                    w -= V[:, :j + 1] @ h
                    H[:j + 1, j] += h
                H[j + 1, j] = np.linalg.norm(w)
                if H[j + 1, j] > 0:
                    V[:, j + 1] = w / H[j + 1, j]
                # Givens QR of H for the residual norm
                col = H[:j + 2, j].copy()
                for i in range(j):
                    t = cs[i] * col[i] + sn[i] * col[i + 1]
                    col[i + 1] = -sn[i] * col[i] + cs[i] * col[i + 1]
                    col[i] = t
                rr = np.hypot(col[j], col[j + 1])
                cs[j], sn[j] = (1.0, 0.0) if rr == 0 else (col[j] / rr, col[j + 1] / rr)
                col[j] = rr
                col[j + 1] = 0.0
                R[:j + 2, j] = col
                g[j + 1] = -sn[j] * g[j]
                g[j] = cs[j] * g[j]
                if abs(g[j + 1]) <= rtol * bn or H[j + 1, j] == 0:
                    j_end = j + 1
                    break
            y = sla.solve_triangular(R[:j_end, :j_end], g[:j_end])
            dx = V[:, :j_end] @ y
            if self.U is not None:
                dx -= self.U @ (B[:, :j_end] @ y)
            x += dx
            if self.U is None and self.k > 0 and j_end > self.k:
                self._harvest(V[:, :j_end + 1], H[:j_end + 1, :j_end])
            r = b - self.matvec(x)
            its += 1
            if np.linalg.norm(r) <= rtol * bn:
                return x, its, True
        return x, its, False

    def _harvest(self, V, Hbar):
        """Keep the k harmonic Ritz vectors of smallest |θ| of this cycle as U, C = A U
        orthonormal (A V_m = V_{m+1} H̄ in the first solve, where no deflation was active)."""
        m = Hbar.shape[1]
        Hm = Hbar[:m, :m]
        hm1 = Hbar[m, m - 1]
        try:
            f = sla.solve(Hm.T, np.eye(m)[:, -1])
        except (sla.LinAlgError, ValueError):
            return
        theta, G = sla.eig(Hm + hm1**2 * np.outer(f, np.eye(m)[-1]))
        order = np.argsort(np.abs(theta))[:self.k]
        G = G[:, order]
        # real basis of the (conjugate-closed) selection
        Gr = np.concatenate([G.real, G.imag], axis=1)
        Q, s, _ = np.linalg.svd(Gr, full_matrices=False)
        Gr = Q[:, s > 1e-10 * s[0]][:, :self.k]
        AY = V @ (Hbar @ Gr)
        Qc, Rc = np.linalg.qr(AY)
        if np.min(np.abs(np.diag(Rc))) < 1e-12 * np.max(np.abs(np.diag(Rc))):
            return
        self.C = Qc
        self.U = V[:, :m] @ sla.solve_triangular(Rc.T, Gr.T, lower=True).T
