namespace NativeTV.Kernels;

/// <summary>
/// Row indices 0..n-1 on the device, uploaded once and grown as needed: the row list that
/// <see cref="IBackend.AddToRows"/> takes to broadcast a bias over every row of a batch.
/// </summary>
public sealed class RowIndices(IBackend be) : IDisposable
{
    private DeviceBuffer<int>? _rows;

    public DeviceBuffer<int> UpTo(int n)
    {
        if (_rows == null || _rows.Length < n)
        {
            _rows?.Dispose();
            _rows = be.Upload(Enumerable.Range(0, Math.Max(n, 1024)).ToArray());
        }
        return _rows;
    }

    public void Dispose() => _rows?.Dispose();
}
