using System.CommandLine;
using System.Diagnostics;
using NativeTV.Host.Cli;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;
using NativeTV.Transformer;
using NativeTV.Organism;
using NativeTV.Transformer.Training;
using Spectre.Console;

namespace NativeTV.Host.Commands;

/// <summary>
/// `nativetv organism train`: trains the organism from scratch with ORGANISM.md's recipe, checkpointing as
/// it goes (a rerun resumes: the batches depend only on seed and step), then writes the model folder.
/// </summary>
public static class OrganismTrainCommand
{
    public static Command Create()
    {
        var outDir = new Option<string>("--out") { Description = "model folder to write", Required = true };
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 6000 }.AtLeast(1);
        var seed = new Option<int>("--seed") { Description = "seeds the initialisation and the data stream", DefaultValueFactory = _ => 0 };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 64 }.AtLeast(1);
        var lr = new Option<float>("--lr") { DefaultValueFactory = _ => 2e-3f }.Above(0f);
        var every = new Option<int>("--checkpoint-every") { Description = "steps between checkpoints (OUT/train-state.safetensors)", DefaultValueFactory = _ => 250 }.AtLeast(1);
        var restart = new Option<bool>("--restart") { Description = "ignore an existing checkpoint" };
        var cmd = new Command("train", "Train the model organism (ORGANISM.md) and write it as a Hugging Face Phi-3 folder") { outDir, device, threads, steps, seed, batch, lr, every, restart };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            CommonOptions.UseThreads(pr, threads);
            string dir = pr.GetValue(outDir)!;
            int n = pr.GetValue(steps), s0 = pr.GetValue(seed), b = pr.GetValue(batch);
            using var folder = RunFolder.Open(dir, "--out", "organism train");
            var o = new ModelTrainOptions { Steps = n, Batch = b, Lr = pr.GetValue(lr), WarmupSteps = Math.Min(300, n / 10) };
            using var be = CommonOptions.CreateBackend(pr.GetValue(device)!);
            using var trainer = new ModelTrainer(OrganismModel.Config, be, o);
            string state = Path.Combine(dir, "train-state.safetensors");
            if (File.Exists(state) && !pr.GetValue(restart))
            {
                trainer.LoadCheckpoint(state);
                Console.WriteLine($"resuming from {state} at step {trainer.Step}");
            }
            else trainer.Parameters.Set(ModelInit.Normal(OrganismModel.Config, s0));
            var sampler = new OrganismSampler(s0);
            var log = new TrainLog(Path.Combine(dir, "train-log.csv"), trainer.Step);
            Console.WriteLine($"organism: {OrganismModel.Config.ParameterCount:N0} parameters, {be.DeviceDescription}");
            var clock = Stopwatch.StartNew();
            int startStep = trainer.Step;
            AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn()).Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: n);
                task.Value = trainer.Step;
                while (trainer.Step < n)
                {
                    var (tok, targets) = OrganismModel.TrainingBatch(sampler.Batch(trainer.Step, b));
                    var st = trainer.TrainStep(tok, targets);
                    log.Add(st);
                    task.Increment(1);
                    double tps = (trainer.Step - startStep) * (double)tok.Ids.Length / clock.Elapsed.TotalSeconds;
                    task.Description = $"step {st.Step}: loss {log.Smoothed:F3}, lr {st.Lr:G3}, {tps:N0} tok/s";
                    if (trainer.Step % pr.GetValue(every) == 0 && trainer.Step < n) { trainer.SaveCheckpoint(state); log.Flush(); }
                }
            });
            log.Flush();
            OrganismFolder.Write(dir, trainer.Parameters.Download(), s0);
            File.Delete(state);
            var report = OrganismChecks.Run(trainer.Model);
            OrganismCheckCommand.Print(report, dir);
            OrganismReadme.Write(dir, report, be.DeviceDescription);
            Console.WriteLine($"wrote {dir}: {n} steps, final loss {log.Smoothed:F3} (answer tokens, mean of the last 50 steps); next: nativetv organism check --model {dir}");
            return 0;
        }));
        return cmd;
    }

    /// <summary>train-log.csv (step, loss, grad_norm, lr), appended at checkpoints so a resumed run keeps one log; rows past a resumed step are dropped.</summary>
    private sealed class TrainLog
    {
        private readonly string _path;
        private readonly List<string> _pending = [];
        private readonly Queue<double> _recent = new();
        public double Smoothed => _recent.Count == 0 ? double.NaN : _recent.Average();

        public TrainLog(string path, int fromStep)
        {
            _path = path;
            var kept = File.Exists(path) ? File.ReadLines(path).Skip(1).Where(l => int.Parse(l.Split(',')[0]) <= fromStep).ToList() : [];
            File.WriteAllLines(path, ["step,loss,grad_norm,lr", .. kept]);
        }

        public void Add(TrainStepStats s)
        {
            _pending.Add(FormattableString.Invariant($"{s.Step},{s.Loss:G6},{s.GradNorm:G4},{s.Lr:G4}"));
            _recent.Enqueue(s.Loss);
            if (_recent.Count > 50) _recent.Dequeue();
        }

        public void Flush() { File.AppendAllLines(_path, _pending); _pending.Clear(); }
    }
}
