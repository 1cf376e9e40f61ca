using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace PlaoImaging.Dicom;

/// <summary>Makes UIDs in the 2.25 form (a UUID as one decimal integer, PS3.5 B.2 and ISO/IEC 9834-8).</summary>
public static class DicomUidGenerator
{
    /// <summary>A new random UID (from a version 4 UUID).</summary>
    public static string NewUid() => FromUuid(Guid.NewGuid());

    /// <summary>
    /// A UID that is always the same for the same name (a version 5 style, SHA-1 based UUID in our own namespace),
    /// for things that must keep their identity across runs.
    /// </summary>
    public static string FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var bytes = SHA1.HashData(Encoding.UTF8.GetBytes("plaoimaging:" + name)).AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return "2.25." + new BigInteger(bytes, isUnsigned: true, isBigEndian: true).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The 2.25 form of a UUID.</summary>
    public static string FromUuid(Guid uuid)
    {
        Span<byte> bytes = stackalloc byte[16];
        uuid.TryWriteBytes(bytes, bigEndian: true, out _);
        return "2.25." + new BigInteger(bytes, isUnsigned: true, isBigEndian: true).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>True when the text is a syntactically valid UID (PS3.5 9.1): digits and dots, no leading zeros, at most 64 characters.</summary>
    public static bool IsValid(string uid)
    {
        ArgumentNullException.ThrowIfNull(uid);
        if (uid.Length is 0 or > 64)
        {
            return false;
        }

        foreach (var component in uid.Split('.'))
        {
            if (component.Length == 0 || (component.Length > 1 && component[0] == '0'))
            {
                return false;
            }

            foreach (char c in component)
            {
                if (c is < '0' or > '9')
                {
                    return false;
                }
            }
        }

        return true;
    }
}

/// <summary>What this library writes into the File Meta Information as its implementation.</summary>
public static class DicomImplementation
{
    /// <summary>Implementation Class UID (0002,0012) of PlaoImaging.</summary>
    public const string ClassUid = "2.25.226897953479778132127126671569585197746";

    /// <summary>Implementation Version Name (0002,0013), at most 16 characters.</summary>
    public const string VersionName = "PLAOIMAGING_010";
}
