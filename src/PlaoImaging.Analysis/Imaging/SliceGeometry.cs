namespace PlaoImaging.Analysis;

/// <summary>
/// The geometry of a slice in the patient coordinate system (PS3.3 C.7.6.2.1.1): x toward the patient's left, y toward
/// the posterior, z toward the head. Image Orientation (Patient) holds the row and column direction cosines; the slice
/// normal is their cross product.
/// </summary>
public static class SliceGeometry
{
    /// <summary>The unit normal of a slice (row × column), or null when the six values are not usable (wrong count, parallel or zero vectors).</summary>
    public static (double X, double Y, double Z)? Normal(IReadOnlyList<double> imageOrientationPatient)
    {
        ArgumentNullException.ThrowIfNull(imageOrientationPatient);
        if (imageOrientationPatient.Count != 6)
        {
            return null;
        }

        var o = imageOrientationPatient;
        double x = (o[1] * o[5]) - (o[2] * o[4]);
        double y = (o[2] * o[3]) - (o[0] * o[5]);
        double z = (o[0] * o[4]) - (o[1] * o[3]);
        double length = Math.Sqrt((x * x) + (y * y) + (z * z));
        return length > 1e-6 ? (x / length, y / length, z / length) : null;
    }

    /// <summary>Angle in degrees between a unit normal and the patient's left-right axis (0 for a true sagittal slice).</summary>
    public static double AngleFromLeftRight((double X, double Y, double Z) normal) => Math.Acos(Math.Min(1, Math.Abs(normal.X))) * 180 / Math.PI;

    /// <summary>Image Position (Patient) projected on the slice normal, in mm: orders parallel slices through a volume.</summary>
    public static double? PositionAlongNormal(IReadOnlyList<double> imageOrientationPatient, IReadOnlyList<double> imagePositionPatient)
    {
        ArgumentNullException.ThrowIfNull(imagePositionPatient);
        if (imagePositionPatient.Count != 3 || Normal(imageOrientationPatient) is not { } n)
        {
            return null;
        }

        return Dot(n, (imagePositionPatient[0], imagePositionPatient[1], imagePositionPatient[2]));
    }

    public static double Dot((double X, double Y, double Z) a, (double X, double Y, double Z) b) => (a.X * b.X) + (a.Y * b.Y) + (a.Z * b.Z);
}
