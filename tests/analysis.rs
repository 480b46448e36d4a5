//! The f64 analysis against references: Hessians known in closed form, finite differences,
//! and PCA of data built with known principal directions.

use gradlab::analysis::lanczos::largest_eigenpairs;
use gradlab::analysis::pca::Pca;
use gradlab::analysis::{CriticalSearch, SearchState, Spectrum, SquaredError};
use gradlab::model::mlp::Activation;
use gradlab::rng::Rng;
use nalgebra::{DMatrix, DVector};

/// Largest absolute difference between two matrices, relative to the largest entry of `b`.
fn relative_error(a: &DMatrix<f64>, b: &DMatrix<f64>) -> f64 {
    (a - b).amax() / b.amax().max(f64::MIN_POSITIVE)
}

fn random_matrix(rows: usize, cols: usize, rng: &mut Rng) -> DMatrix<f64> {
    DMatrix::from_fn(rows, cols, |_, _| rng.uniform(-1.0, 1.0))
}

fn random_vector(len: usize, rng: &mut Rng) -> Vec<f64> {
    (0..len).map(|_| rng.uniform(-1.0, 1.0)).collect()
}

/// A linear model `y = X w + b` under MSE has the Hessian `2 X̃ᵀ X̃ / n`, with `X̃ = [X 1]`,
/// whatever the parameters.
#[test]
fn linear_model_hessian() {
    let mut rng = Rng::new(11);
    let (n, d) = (40, 3);
    let x = random_matrix(n, d, &mut rng);
    let y = random_matrix(n, 1, &mut rng);
    let problem = SquaredError::new(&[d, 1], Activation::LeakyRelu, x.clone(), y);
    let augmented = x.insert_column(d, 1.0);
    let expected = augmented.transpose() * &augmented * (2.0 / n as f64);

    let theta = random_vector(d + 1, &mut rng);
    let hessian = problem.hessian(&theta);
    // Tolerance: f64 rounding of sums of 40 products, far below any real difference.
    assert!(relative_error(&hessian, &expected) < 1e-12, "{hessian} vs {expected}");
}

/// The gradient of `|g|²` is `2 H g`; for the linear model both factors are known in closed
/// form: `g = 2 X̃ᵀ (X̃ θ - y) / n`.
#[test]
fn linear_model_norm_gradient() {
    let mut rng = Rng::new(12);
    let (n, d) = (30, 2);
    let x = random_matrix(n, d, &mut rng);
    let y = random_matrix(n, 1, &mut rng);
    let problem = SquaredError::new(&[d, 1], Activation::Tanh, x.clone(), y.clone());
    let augmented = x.insert_column(d, 1.0);
    let theta = random_vector(d + 1, &mut rng);
    let theta_vector = DVector::from_column_slice(&theta);
    let hessian = augmented.transpose() * &augmented * (2.0 / n as f64);
    let gradient =
        augmented.transpose() * (&augmented * &theta_vector - y.column(0)) * (2.0 / n as f64);

    let (_, computed_gradient) = problem.gradient(&theta);
    assert!((&computed_gradient - &gradient).amax() < 1e-12 * gradient.amax());
    let expected = &hessian * &gradient * 2.0;
    let computed = problem.squared_gradient_norm_gradient(&theta);
    assert!((&computed - &expected).amax() < 1e-12 * expected.amax(), "{computed} vs {expected}");
}

/// Returns the Hessian of `f(x) = w2 σ(w1 x + b1) + b2` under MSE, derived by hand, with parameters
/// in the order (w1, b1, w2, b2):
///
/// `H = (2/n) Σ [J Jᵀ + r ∇²f]`, where `r = f - y`, `J = (w2 σ' x, w2 σ', σ, 1)` and the
/// non-zero second derivatives of f are `∂²f/∂w1² = w2 σ'' x²`, `∂²f/∂w1∂b1 = w2 σ'' x`,
/// `∂²f/∂b1² = w2 σ''`, `∂²f/∂w1∂w2 = σ' x`, `∂²f/∂b1∂w2 = σ'`.
fn one_unit_hessian(activation: Activation, theta: [f64; 4], x: &[f64], y: &[f64]) -> DMatrix<f64> {
    let [w1, b1, w2, b2] = theta;
    let mut hessian = DMatrix::zeros(4, 4);
    for (&x, &y) in x.iter().zip(y) {
        let z = w1 * x + b1;
        let (value, slope, curvature) = match activation {
            Activation::Tanh => {
                let t = z.tanh();
                (t, 1.0 - t * t, -2.0 * t * (1.0 - t * t))
            }
            Activation::LeakyRelu if z > 0.0 => (z, 1.0, 0.0),
            Activation::LeakyRelu => (0.01 * z, 0.01, 0.0),
            Activation::Relu if z > 0.0 => (z, 1.0, 0.0),
            Activation::Relu => (0.0, 0.0, 0.0),
        };
        let residual = w2 * value + b2 - y;
        let jacobian = DVector::from_column_slice(&[w2 * slope * x, w2 * slope, value, 1.0]);
        let mut second = DMatrix::zeros(4, 4);
        second[(0, 0)] = w2 * curvature * x * x;
        second[(0, 1)] = w2 * curvature * x;
        second[(1, 1)] = w2 * curvature;
        second[(0, 2)] = slope * x;
        second[(1, 2)] = slope;
        second[(1, 0)] = second[(0, 1)];
        second[(2, 0)] = second[(0, 2)];
        second[(2, 1)] = second[(1, 2)];
        hessian += &jacobian * jacobian.transpose() + second * residual;
    }
    hessian * (2.0 / x.len() as f64)
}

#[test]
fn one_hidden_unit_hessian() {
    let x: Vec<f64> = (0..25).map(|i| -1.2 + 0.1 * i as f64).collect();
    let y: Vec<f64> = x.iter().map(|x| (3.0 * x).sin()).collect();
    let column = |values: &[f64]| DMatrix::from_column_slice(values.len(), 1, values);
    // b1 = 0.05 keeps every pre-activation away from LeakyReLU's kink at 0.
    let theta = [0.7, 0.05, -1.3, 0.2];
    for activation in [Activation::Tanh, Activation::LeakyRelu, Activation::Relu] {
        let problem = SquaredError::new(&[1, 1, 1], activation, column(&x), column(&y));
        let expected = one_unit_hessian(activation, theta, &x, &y);
        let hessian = problem.hessian(&theta);
        assert!(
            relative_error(&hessian, &expected) < 1e-12,
            "{activation:?}: {hessian} vs {expected}"
        );

        let (_, gradient) = problem.gradient(&theta);
        let expected_product = &expected * &gradient * 2.0;
        let product = problem.squared_gradient_norm_gradient(&theta);
        let error = (&product - &expected_product).amax() / expected_product.amax();
        assert!(error < 1e-12, "{activation:?}: {product} vs {expected_product}");
    }
}

/// Central differences of the loss give the gradient, and central differences of the
/// gradient give the Hessian, to within their truncation error.
#[test]
fn tanh_network_finite_differences() {
    let mut rng = Rng::new(13);
    let x = random_matrix(20, 2, &mut rng);
    let y = random_matrix(20, 2, &mut rng);
    let problem = SquaredError::new(&[2, 4, 3, 2], Activation::Tanh, x, y);
    let theta = random_vector(problem.parameter_count(), &mut rng);
    let step = 1e-5;
    let shifted = |i: usize, by: f64| {
        let mut moved = theta.clone();
        moved[i] += by;
        moved
    };

    let (_, gradient) = problem.gradient(&theta);
    let hessian = problem.hessian(&theta);
    for i in 0..theta.len() {
        let slope =
            (problem.loss(&shifted(i, step)) - problem.loss(&shifted(i, -step))) / (2.0 * step);
        // Tolerance: truncation O(step²) and rounding O(1e-16 / step) are both below 1e-8.
        assert!((slope - gradient[i]).abs() < 1e-8, "gradient {i}: {slope} vs {}", gradient[i]);
        let (_, ahead) = problem.gradient(&shifted(i, step));
        let (_, behind) = problem.gradient(&shifted(i, -step));
        let column = (ahead - behind) / (2.0 * step);
        let error = (&column - hessian.column(i)).amax();
        assert!(error < 1e-7, "Hessian column {i} differs by {error}");
    }
}

/// Data built as `mean + a·σ1·u1 + b·σ2·u2 + c·σ3·u3` over all sign patterns of `(a, b, c)`,
/// with orthonormal `u`: its principal directions are the `u` and its variances `σ²·n/(n-1)`.
#[test]
fn pca_recovers_known_directions_and_variances() {
    let (rotation, _) =
        DMatrix::<f64>::from_fn(5, 5, |i, j| ((i * 5 + j) as f64 * 0.37).sin()).qr().unpack();
    let sigmas = [3.0, 1.5, 0.5];
    let mean = [1.0, -2.0, 0.5, 4.0, 0.0];
    let mut rows = Vec::new();
    for pattern in 0..8 {
        let signs = [0, 1, 2].map(|bit| if pattern >> bit & 1 == 1 { 1.0 } else { -1.0 });
        let row: Vec<f64> = (0..5)
            .map(|j| mean[j] + (0..3).map(|k| signs[k] * sigmas[k] * rotation[(j, k)]).sum::<f64>())
            .collect();
        rows.push(row);
    }

    let pca = Pca::fit(&rows, 2).expect("eight vectors of five numbers");
    let n = rows.len() as f64;
    for k in 0..2 {
        let expected_variance = sigmas[k] * sigmas[k] * n / (n - 1.0);
        assert!((pca.variances[k] - expected_variance).abs() < 1e-10 * expected_variance);
        let cosine: f64 = (0..5).map(|j| pca.components[k][j] * rotation[(j, k)]).sum();
        // Tolerance: both are unit vectors, so |cos| = 1 up to rounding.
        assert!((cosine.abs() - 1.0).abs() < 1e-10, "component {k} has cosine {cosine}");
    }
    let total: f64 = sigmas.iter().map(|s| s * s).sum::<f64>() * n / (n - 1.0);
    assert!((pca.total_variance - total).abs() < 1e-10 * total);
    let projected = pca.project(&rows[7]);
    assert!((projected[0].abs() - sigmas[0]).abs() < 1e-10);
    assert!((projected[1].abs() - sigmas[1]).abs() < 1e-10);
}

#[test]
fn pca_rejects_unusable_data() {
    assert!(Pca::fit(&[vec![1.0, 2.0]], 2).is_err());
    assert!(Pca::fit(&[vec![1.0, 2.0], vec![1.0]], 2).is_err());
    assert!(Pca::fit(&[vec![1.0, f64::NAN], vec![1.0, 2.0]], 2).is_err());
}

#[test]
fn spectrum_counts_signs_with_a_relative_zero_band() {
    let (rotation, _) =
        DMatrix::<f64>::from_fn(5, 5, |i, j| ((i + 2 * j) as f64).cos()).qr().unpack();
    let values = DVector::from_column_slice(&[4.0, 1.0, 1e-16, -0.5, -2.0]);
    let matrix = &rotation * DMatrix::from_diagonal(&values) * rotation.transpose();
    let spectrum = Spectrum::of(&matrix);
    assert_eq!((spectrum.positive, spectrum.negative, spectrum.zero), (2, 2, 1));
    assert!((spectrum.minimal_ratio() - 0.4).abs() < 1e-15);
    let expected = [-2.0, -0.5, 1e-16, 1.0, 4.0];
    for (value, expected) in spectrum.eigenvalues.iter().zip(expected) {
        assert!((value - expected).abs() < 1e-12, "{value} vs {expected}");
    }
}

/// A convex problem has one critical point, its minimum, where every eigenvalue is positive.
#[test]
fn search_reaches_the_minimum_of_a_convex_loss() {
    let mut rng = Rng::new(14);
    let x = random_matrix(30, 3, &mut rng);
    let y = random_matrix(30, 1, &mut rng);
    let problem = SquaredError::new(&[3, 1], Activation::Tanh, x, y);
    let mut search = CriticalSearch::new(problem, vec![5.0, -3.0, 2.0, 1.0], 1e-10, 100);
    while search.step() == SearchState::Searching {}
    assert_eq!(search.state(), SearchState::Reached);
    assert!(search.gradient_norm() < 1e-10);
    let spectrum = Spectrum::of(&search.problem().hessian(search.theta()));
    assert_eq!(spectrum.minimal_ratio(), 1.0);
}

/// Two vectors vary along one direction only: PC 1 explains all the variance, and there is
/// no PC 2 to place them on.
#[test]
fn pca_of_two_vectors_has_one_component() {
    let rows = vec![vec![1.0, 2.0, 3.0, 4.0], vec![2.0, 2.0, 1.0, 4.5]];
    let pca = Pca::fit(&rows, 2).unwrap();
    assert_eq!(pca.components.len(), 1);
    assert!((pca.explained()[0] - 1.0).abs() < 1e-12, "{:?}", pca.explained());
    let projected = pca.project(&rows[0]);
    assert_eq!(projected.len(), 1);
}

/// Returns `matrix · v` as the operator that largest_eigenpairs takes.
fn product_of(matrix: &DMatrix<f64>) -> impl FnMut(&[f64], &mut [f64]) + '_ {
    move |v, out| {
        let product = matrix * DVector::from_column_slice(v);
        out.copy_from_slice(product.as_slice());
    }
}

/// Checks the three largest eigenpairs of `matrix` against nalgebra's full decomposition:
/// values to 1e-10 of the largest, and vectors to 1e-8 in |cos| where the next value differs by
/// more than 1e-3 of the largest, since closer values leave the direction ill-determined.
fn assert_largest_pairs(matrix: &DMatrix<f64>) {
    let reference = matrix.clone().symmetric_eigen();
    let mut order: Vec<usize> = (0..matrix.nrows()).collect();
    order.sort_by(|&a, &b| reference.eigenvalues[b].total_cmp(&reference.eigenvalues[a]));
    let largest = reference.eigenvalues[order[0]];
    let pairs = largest_eigenpairs(matrix.nrows(), 3, product_of(matrix));
    assert_eq!(pairs.values.len(), 3.min(matrix.nrows()));
    for (k, (&value, vector)) in pairs.values.iter().zip(&pairs.vectors).enumerate() {
        let expected = reference.eigenvalues[order[k]];
        assert!((value - expected).abs() < 1e-10 * largest, "value {k}: {value} vs {expected}");
        let next = order.get(k + 1).map_or(0.0, |&i| reference.eigenvalues[i]);
        if expected - next > 1e-3 * largest {
            let column = reference.eigenvectors.column(order[k]);
            let cosine: f64 = vector.iter().zip(column.iter()).map(|(a, b)| a * b).sum();
            assert!((cosine.abs() - 1.0).abs() < 1e-8, "vector {k} has cosine {cosine}");
        }
    }
}

#[test]
fn lanczos_matches_a_full_decomposition() {
    let mut rng = Rng::new(21);
    for (size, rank) in [(1, 1), (3, 3), (40, 40), (60, 7), (200, 150)] {
        let factor = random_matrix(size, rank, &mut rng);
        assert_largest_pairs(&(&factor * factor.transpose()));
    }
}

/// Eigenvalues 10, 9.99999 and 9.9 on top of a tail of small ones, in a random basis.
#[test]
fn lanczos_separates_close_eigenvalues() {
    let mut rng = Rng::new(22);
    let (rotation, _) = random_matrix(50, 50, &mut rng).qr().unpack();
    let values = DVector::from_fn(50, |i, _| match i {
        0 => 10.0,
        1 => 9.99999,
        2 => 9.9,
        _ => 1.0 / i as f64,
    });
    assert_largest_pairs(&(&rotation * DMatrix::from_diagonal(&values) * rotation.transpose()));
}

#[test]
fn lanczos_of_zero_and_rank_one_operators() {
    let zero = largest_eigenpairs(5, 2, |_, out| out.fill(0.0));
    assert!(zero.values.iter().all(|&value| value == 0.0), "{:?}", zero.values);
    let u = DVector::from_column_slice(&[1.0, 2.0, 2.0]) / 3.0;
    let rank_one = &u * u.transpose() * 4.0;
    let pairs = largest_eigenpairs(3, 2, product_of(&rank_one));
    assert!((pairs.values[0] - 4.0).abs() < 1e-12, "{:?}", pairs.values);
    assert!(pairs.values.get(1).is_none_or(|value| value.abs() < 1e-12), "{:?}", pairs.values);
}

/// Four vectors in ten dimensions, `mean ± σ1·u1 ± σ2·u2`: fewer vectors than dimensions, so
/// the PCA works from their Gram operator. Its directions are the `u`.
#[test]
fn pca_of_few_long_vectors_recovers_known_directions() {
    let (rotation, _) =
        DMatrix::<f64>::from_fn(10, 10, |i, j| ((i * 10 + j) as f64 * 0.61).cos()).qr().unpack();
    let sigmas = [2.0, 0.7];
    let rows: Vec<Vec<f64>> = (0..4)
        .map(|pattern| {
            let signs = [0, 1].map(|bit| if pattern >> bit & 1 == 1 { 1.0 } else { -1.0 });
            (0..10)
                .map(|j| {
                    0.3 * j as f64
                        + (0..2).map(|k| signs[k] * sigmas[k] * rotation[(j, k)]).sum::<f64>()
                })
                .collect()
        })
        .collect();

    let pca = Pca::fit(&rows, 2).expect("four vectors of ten numbers");
    for k in 0..2 {
        let expected_variance = sigmas[k] * sigmas[k] * 4.0 / 3.0;
        assert!((pca.variances[k] - expected_variance).abs() < 1e-10 * expected_variance);
        let cosine: f64 = (0..10).map(|j| pca.components[k][j] * rotation[(j, k)]).sum();
        assert!((cosine.abs() - 1.0).abs() < 1e-10, "component {k} has cosine {cosine}");
    }
    assert!((pca.explained().iter().sum::<f64>() - 1.0).abs() < 1e-12);
}
