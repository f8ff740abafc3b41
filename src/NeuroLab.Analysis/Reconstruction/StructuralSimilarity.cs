namespace NeuroLab.Analysis.Reconstruction;

/// <summary>
/// Mean SSIM of one greyscale image pair (Wang, Bovik, Sheikh and Simoncelli 2004, IEEE TIP 13(4), eq. 13) with the
/// Gaussian-weighted local statistics of <c>skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5,
/// use_sample_covariance=False)</c> (scikit-image 0.19): a separable Gaussian of sigma 1.5 truncated at radius
/// <c>int(3.5 * 1.5 + 0.5) = 5</c> (an 11x11 window, weights <c>exp(-x^2 / 2 sigma^2)</c> normalised to sum 1, as
/// <c>scipy.ndimage.gaussian_filter</c>), population (co)variances <c>E[xy] - E[x]E[y]</c>, and the mean of
/// <c>S = (2 mu_x mu_y + C1)(2 sigma_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(sigma_x^2 + sigma_y^2 + C2))</c> over the
/// window centres whose window lies inside the image (skimage crops a border of 5 pixels, so its padding mode never
/// reaches the mean). Only those centres are filtered here; all arithmetic is float64.
/// </summary>
internal sealed class StructuralSimilarity
{
    /// <summary>Window radius: skimage's <c>int(truncate * sigma + 0.5)</c> with truncate 3.5 and sigma 1.5.</summary>
    public const int Radius = 5;

    /// <summary>Window side (11): images smaller than this in either direction have no valid window centre.</summary>
    public const int WindowSize = (2 * Radius) + 1;

    private const double Sigma = 1.5;
    private const double K1 = 0.01;
    private const double K2 = 0.03;

    private static readonly double[] s_weights = GaussianWeights();

    private readonly int _height;
    private readonly int _width;
    private readonly int _validWidth;
    private readonly double _c1;
    private readonly double _c2;
    // Horizontally filtered x, y, x^2, y^2, xy: [height, validWidth] each, reused image after image.
    private readonly double[] _sx, _sy, _sxx, _syy, _sxy;

    public StructuralSimilarity(int height, int width, double dataRange)
    {
        _height = height;
        _width = width;
        _validWidth = width - (2 * Radius);
        _c1 = (K1 * dataRange) * (K1 * dataRange);
        _c2 = (K2 * dataRange) * (K2 * dataRange);
        int size = height * _validWidth;
        _sx = new double[size];
        _sy = new double[size];
        _sxx = new double[size];
        _syy = new double[size];
        _sxy = new double[size];
    }

    /// <summary>Mean SSIM of <paramref name="x"/> and <paramref name="y"/>, both [height, width] row-major.</summary>
    public double Mean(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var w = s_weights;
        int vw = _validWidth;
        for (int row = 0; row < _height; row++)
        {
            var xr = x.Slice(row * _width, _width);
            var yr = y.Slice(row * _width, _width);
            int o = row * vw;
            for (int c = 0; c < vw; c++)
            {
                double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
                for (int k = 0; k < WindowSize; k++)
                {
                    double a = xr[c + k], b = yr[c + k], wk = w[k];
                    sx += wk * a;
                    sy += wk * b;
                    sxx += wk * (a * a);
                    syy += wk * (b * b);
                    sxy += wk * (a * b);
                }
                _sx[o + c] = sx;
                _sy[o + c] = sy;
                _sxx[o + c] = sxx;
                _syy[o + c] = syy;
                _sxy[o + c] = sxy;
            }
        }
        int validHeight = _height - (2 * Radius);
        double total = 0;
        for (int r = 0; r < validHeight; r++)
        {
            for (int c = 0; c < vw; c++)
            {
                double ux = 0, uy = 0, uxx = 0, uyy = 0, uxy = 0;
                for (int k = 0, o = (r * vw) + c; k < WindowSize; k++, o += vw)
                {
                    double wk = w[k];
                    ux += wk * _sx[o];
                    uy += wk * _sy[o];
                    uxx += wk * _sxx[o];
                    uyy += wk * _syy[o];
                    uxy += wk * _sxy[o];
                }
                double vx = uxx - (ux * ux), vy = uyy - (uy * uy), vxy = uxy - (ux * uy);
                total += (((2 * ux * uy) + _c1) * ((2 * vxy) + _c2))
                    / (((ux * ux) + (uy * uy) + _c1) * (vx + vy + _c2));
            }
        }
        return total / ((double)validHeight * vw);
    }

    private static double[] GaussianWeights()
    {
        var weights = new double[WindowSize];
        double sum = 0;
        for (int k = 0; k < WindowSize; k++)
        {
            int x = k - Radius;
            weights[k] = Math.Exp(-0.5 / (Sigma * Sigma) * x * x);
            sum += weights[k];
        }
        for (int k = 0; k < WindowSize; k++)
        {
            weights[k] /= sum;
        }
        return weights;
    }
}
