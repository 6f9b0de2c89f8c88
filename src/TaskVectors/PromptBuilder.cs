using NativeTV.Kernels;
using System.Text;
using NativeTV.Transformer.Tokenization;

namespace NativeTV.TaskVectors;

/// <summary>
/// Builds the prompts of METHOD.md §1 from text with any tokenizer. Positions are tracked through
/// tokenization: the text is assembled piece by piece, and each piece boundary is located by tokenizing the
/// text up to it and checking that those ids start the ids of the whole text, so a SentencePiece merge
/// across a boundary cannot silently shift a separator or an answer. A separator that is not exactly one
/// token (the one <see cref="PromptOptions.Separator"/> tokenizes to) is an error naming the task and pair.
/// </summary>
public sealed class PromptBuilder
{
    private readonly ITextTokenizer _tok;

    public PromptOptions Options { get; }

    /// <summary>The separator token: the last token of <see cref="PromptOptions.Separator"/> tokenized alone.</summary>
    public int SeparatorId { get; }

    public PromptBuilder(ITextTokenizer tokenizer, PromptOptions? options = null)
    {
        _tok = tokenizer;
        Options = options ?? new PromptOptions();
        if (Options.Separator.Length == 0) throw new ArgumentException("the prompt separator is empty");
        if (Options.Shots < 0) throw new ArgumentException($"shots must be >= 0, not {Options.Shots}");
        if (Options.NFirst < 1) throw new ArgumentException($"n_first must be >= 1, not {Options.NFirst}");
        var sep = tokenizer.Encode(Options.Separator, addBos: false);
        SeparatorId = sep.Count > 0 ? sep[^1] : throw new ArgumentException($"the separator \"{Escape(Options.Separator)}\" tokenizes to nothing");
    }

    /// <summary>ICL prompt <c>BOS + prefix + "x1 -> y1\n...\nxq ->"</c>, answered by <c>" yq"</c>.</summary>
    public Prompt Icl(string task, IReadOnlyList<(string Input, string Output)> demos, (string Input, string Output) query) =>
        Make(task, demos, query);

    /// <summary>Zero-shot prompt <c>BOS + prefix + "x ->"</c>, answered by <c>" y"</c>.</summary>
    public Prompt ZeroShot(string task, (string Input, string Output) query) => Make(task, [], query);

    /// <summary>
    /// The ICL prompt with the demonstrations' outputs permuted among themselves with no output left at its
    /// own input (when there are two or more): the format and the outputs stay, the mapping is random.
    /// The query keeps its true answer.
    /// </summary>
    public Prompt Corrupted(string task, IReadOnlyList<(string Input, string Output)> demos, (string Input, string Output) query, Random rng)
    {
        var perm = Derangement(demos.Count, rng);
        return Make(task, demos.Select((d, k) => (d.Input, demos[perm[k]].Output)).ToArray(), query);
    }

    /// <summary>
    /// Detector prompt (METHOD.md §7) <c>BOS + prefix + "X -> Y\nx ->"</c> with the generic example
    /// <see cref="PromptOptions.DetectorExample"/>, steered at the last token of " Y", where detector vectors are read.
    /// </summary>
    public Prompt OneShot(string task, (string Input, string Output) query)
    {
        var p = Make(task, [Options.DetectorExample], query);
        return p with { SteerPosition = p.OutputEnds[0] };
    }

    /// <summary>
    /// Every prompt of <paramref name="task"/>, deterministic under <see cref="PromptOptions.Seed"/> and the
    /// task's name. Its usable pairs (the "train" split when it has splits), one per distinct input, are
    /// shuffled and cut into <paramref name="evalPrompts"/> evaluation queries, then
    /// <paramref name="cleanPrompts"/> cleaning queries, and the rest, the pool of ICL demonstrations and
    /// queries. When there are too few inputs for that and a pool of shots + 1, evaluation and cleaning
    /// shrink in proportion (the returned lists say how many); fewer than shots + 3 inputs is an error.
    /// </summary>
    public TaskPrompts Build(IclTask task, int iclPrompts = 16, int cleanPrompts = 24, int evalPrompts = 32)
    {
        if (iclPrompts < 0 || cleanPrompts < 0 || evalPrompts < 0) throw new ArgumentException("prompt counts must be >= 0");
        var usable = task.UsablePairs();
        if (usable.Count == 0) throw new ArgumentException($"task {task.Name} has no pairs in the \"{IclTask.TrainSplit}\" split to build prompts from");
        // One pair per distinct input (the first), so no input is in two sets or twice in one prompt.
        var units = usable.GroupBy(i => task.Pairs[i].Input, StringComparer.Ordinal).Select(g => g.First()).ToArray();
        Rng(task.Name, 0).Shuffle(units);

        int reserve = Options.Shots + 1, avail = units.Length - reserve;
        int nEval = evalPrompts, nClean = cleanPrompts;
        if (nEval + nClean > avail)
        {
            if (avail < (nEval > 0 ? 1 : 0) + (nClean > 0 ? 1 : 0))
                throw new ArgumentException($"task {task.Name} has {units.Length} usable distinct inputs{SplitNote(task)}; {Options.Shots}-shot prompts with held-out cleaning and evaluation queries need at least {Options.Shots + 3}");
            nEval = nClean == 0 ? avail : nEval == 0 ? 0 : Math.Clamp((int)((long)avail * nEval / (nEval + nClean)), 1, avail - 1);
            nClean = Math.Min(nClean, avail - nEval);
        }
        var eval = units[..nEval].Order().ToArray();
        var clean = units[nEval..(nEval + nClean)].Order().ToArray();
        var demo = units[(nEval + nClean)..].Order().ToArray();

        // A word the tokenizer cannot read (e.g. outside the organism's vocabulary) is the task file's fault: name it.
        try
        {
            var pairs = task.Pairs;
            var rngIcl = Rng(task.Name, 1);
            var rngCorrupt = Rng(task.Name, 2);
            var icl = new List<Prompt>(iclPrompts);
            var corrupted = new List<Prompt>(iclPrompts);
            var pool = demo.ToArray();
            for (int n = 0; n < iclPrompts; n++)
            {
                // Partial Fisher-Yates: shots demonstrations and a query, all distinct, without replacement.
                for (int j = 0; j <= Options.Shots; j++)
                {
                    int k = j + rngIcl.Next(pool.Length - j);
                    (pool[j], pool[k]) = (pool[k], pool[j]);
                }
                var demos = pool[..Options.Shots].Select(i => pairs[i]).ToArray();
                var query = pairs[pool[Options.Shots]];
                icl.Add(Icl(task.Name, demos, query));
                corrupted.Add(Corrupted(task.Name, demos, query, rngCorrupt));
            }
            return new TaskPrompts(task, icl, corrupted,
                clean.Select(q => ZeroShot(task.Name, pairs[q])).ToList(),
                eval.Select(q => ZeroShot(task.Name, pairs[q])).ToList(),
                clean.Select(q => OneShot(task.Name, pairs[q])).ToList(),
                eval.Select(q => OneShot(task.Name, pairs[q])).ToList(),
                demo, clean, eval);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new TaskFileException(task.Source, $"task {task.Name}: {e.Message}");
        }
    }

    /// <summary>
    /// Random stream <paramref name="stream"/> of <paramref name="task"/>'s prompts, deterministic under <see cref="PromptOptions.Seed"/>
    /// and the task's name (streams 0-2 build <see cref="Build"/>'s sets; later ones, prompts built beside them).
    /// </summary>
    public Random Rng(string task, int stream) => new(Seeds.Mix(Seeds.Mix(Options.Seed, StableHash(task)), stream));

    /// <summary>
    /// An ICL prompt answering pair <paramref name="query"/> of <paramref name="task"/>, its <see cref="PromptOptions.Shots"/>
    /// demonstrations drawn at random from <paramref name="pools"/> (pair indices) in order: a later pool only once the
    /// earlier ones are used up, never the query's input. A word the tokenizer cannot place is the task file's error.
    /// </summary>
    public Prompt IclFrom(IclTask task, int query, IReadOnlyList<IReadOnlyList<int>> pools, Random rng)
    {
        var q = task.Pairs[query];
        var demos = pools.SelectMany(pool => pool.Where(i => task.Pairs[i].Input != q.Input).OrderBy(_ => rng.Next()))
            .DistinctBy(i => task.Pairs[i].Input).Take(Options.Shots).Select(i => task.Pairs[i]).ToArray();
        if (demos.Length < Options.Shots)
            throw new TaskFileException(task.Source, $"task {task.Name}: {demos.Length} inputs to draw {Options.Shots} demonstrations from for the query \"{Escape(q.Input)}\"");
        try { return Icl(task.Name, demos, q); }
        catch (InvalidOperationException e) { throw new TaskFileException(task.Source, $"task {task.Name}: {e.Message}"); }
    }

    private Prompt Make(string task, IReadOnlyList<(string Input, string Output)> demos, (string Input, string Output) query)
    {
        var sb = new StringBuilder(Options.Prefix);
        var sepSpans = new List<(int Start, int End, string Input)>();
        var outEnds = new List<int>();
        for (int k = 0; k <= demos.Count; k++)
        {
            var (input, output) = k < demos.Count ? demos[k] : query;
            sb.Append(input);
            int start = sb.Length;
            sb.Append(Options.Separator);
            sepSpans.Add((start, sb.Length, input));
            if (k == demos.Count) break;
            sb.Append(' ').Append(output);
            outEnds.Add(sb.Length);
            sb.Append(Options.PairDelimiter);
        }
        string text = sb.ToString();
        int[] ids = [.. _tok.Encode(text, addBos: true)];

        // The token index at which text[..chars] ends, or -1 when that is inside a token.
        int At(int chars)
        {
            if (chars == text.Length) return ids.Length;
            var head = _tok.Encode(text[..chars], addBos: true);
            return StartsWith(ids, head) ? head.Count : -1;
        }
        string Where(int k) => $"task {task}, {(k < demos.Count ? $"demonstration {k}" : "the query")} (input \"{Escape(sepSpans[k].Input)}\")";

        var seps = new int[sepSpans.Count];
        for (int k = 0; k < sepSpans.Count; k++)
        {
            int a = At(sepSpans[k].Start), b = At(sepSpans[k].End);
            if (a < 0 || b < 0 || b - a != 1 || ids[a] != SeparatorId)
                throw new InvalidOperationException(
                    $"{Where(k)}: the separator \"{Escape(Options.Separator)}\" is not its own token {SeparatorId} in context " +
                    $"(it merges with the text around it or splits); the input and separator tokenize to [{string.Join(", ", _tok.Encode(Options.Prefix + sepSpans[k].Input + Options.Separator, false))}]");
            seps[k] = a;
        }
        var ends = new int[outEnds.Count];
        for (int k = 0; k < outEnds.Count; k++)
        {
            int e = At(outEnds[k]);
            if (e < 0 || e - 1 <= seps[k])
                throw new InvalidOperationException($"{Where(k)}: the output \"{Escape(demos[k].Output)}\" does not end on a token boundary before \"{Escape(Options.PairDelimiter)}\"");
            ends[k] = e - 1;
        }

        var full = _tok.Encode(text + " " + query.Output, addBos: true);
        if (!StartsWith(full, ids))
            throw new InvalidOperationException($"{Where(demos.Count)}: the answer \" {Escape(query.Output)}\" merges with the separator when tokenized after it");
        if (full.Count == ids.Length) throw new InvalidOperationException($"{Where(demos.Count)}: the answer \" {Escape(query.Output)}\" tokenizes to nothing");
        var answer = full.Skip(ids.Length).Take(Options.NFirst).ToArray();
        return new Prompt(ids, seps, answer) { OutputEnds = ends };
    }

    private static bool StartsWith(IReadOnlyList<int> all, IReadOnlyList<int> head)
    {
        if (head.Count > all.Count) return false;
        for (int i = 0; i < head.Count; i++) if (all[i] != head[i]) return false;
        return true;
    }

    /// <summary>A uniformly random permutation with no fixed point (rejection sampling; about e tries), or the identity below two elements.</summary>
    private static int[] Derangement(int n, Random rng)
    {
        var p = Enumerable.Range(0, n).ToArray();
        if (n < 2) return p;
        do rng.Shuffle(p); while (p.Where((x, i) => x == i).Any());
        return p;
    }

    /// <summary>FNV-1a of the UTF-8 name: the same in every process, unlike string.GetHashCode.</summary>
    private static long StableHash(string s)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(s)) h = unchecked((h ^ b) * 1099511628211UL);
        return unchecked((long)h);
    }

    private static string SplitNote(IclTask t) => t.Splits is null ? "" : $" in the \"{IclTask.TrainSplit}\" split";

    private static string Escape(string s) => s.Replace("\n", "\\n");
}
