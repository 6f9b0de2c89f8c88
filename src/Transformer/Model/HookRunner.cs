using NativeTV.Kernels;

namespace NativeTV.Transformer.Model;

/// <summary>Applies a request's additions, then its reads, whenever the forward pass reaches a hook point.</summary>
internal sealed class HookRunner(IBackend be, ForwardRequest req, ForwardResult result)
{
    public void At(HookKey key, Mat m)
    {
        foreach (var a in req.Adds)
        {
            if (a.Key != key) continue;
            foreach (var (rowIds, vector) in a.Groups(m.Cols))
            {
                using var rows = be.Upload(rowIds);
                using var v = be.Upload(vector);
                be.AddToRows(m, rows, rowIds.Length, v, a.Scale);
            }
        }
        foreach (var r in req.Reads)
        {
            if (r.Key != key) continue;
            using var rows = be.Upload(r.Rows);
            var dst = be.AllocMat(r.Rows.Length, m.Cols);
            using (dst.Buf)
            {
                be.GatherRows(m, rows, dst);
                result.Reads[key] = be.Download(dst);
            }
        }
    }
}
