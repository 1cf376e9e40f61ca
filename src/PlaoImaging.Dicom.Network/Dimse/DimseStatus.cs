using System.Globalization;

namespace PlaoImaging.Dicom.Network;

/// <summary>The kind of a DIMSE status (PS3.7 C.1.2).</summary>
public enum DimseStatusCategory
{
    Success,
    Warning,
    Failure,
    Cancel,
    Pending,
}

/// <summary>
/// A DIMSE status (0000,0900) as a value (PS3.7 Annex C; C-STORE codes from PS3.4 Table B.2-1). The category follows
/// PS3.7 C.1.2: 0000 success; 0001, B000–BFFF and 0107/0116 warning; FE00 cancel; FF00/FF01 pending; anything else
/// failure.
/// </summary>
public readonly record struct DimseStatus(ushort Code)
{
    public static readonly DimseStatus Success = new(0x0000);

    // Warnings
    public static readonly DimseStatus WarningRequestedOptionalAttributesNotSupported = new(0x0001);
    public static readonly DimseStatus CoercionOfDataElements = new(0xB000);
    public static readonly DimseStatus ElementsDiscarded = new(0xB006);
    public static readonly DimseStatus DataSetDoesNotMatchSopClassWarning = new(0xB007);
    public static readonly DimseStatus AttributeListError = new(0x0107);
    public static readonly DimseStatus AttributeValueOutOfRange = new(0x0116);

    // Failures (PS3.7 C.4, PS3.4 B.2.3)
    public static readonly DimseStatus RefusedOutOfResources = new(0xA700);
    public static readonly DimseStatus DataSetDoesNotMatchSopClass = new(0xA900);
    public static readonly DimseStatus CannotUnderstand = new(0xC000);
    public static readonly DimseStatus RefusedSopClassNotSupported = new(0x0122);
    public static readonly DimseStatus NotAuthorized = new(0x0124);
    public static readonly DimseStatus ClassInstanceConflict = new(0x0119);
    public static readonly DimseStatus DuplicateSopInstance = new(0x0111);
    public static readonly DimseStatus DuplicateInvocation = new(0x0210);
    public static readonly DimseStatus InvalidArgumentValue = new(0x0115);
    public static readonly DimseStatus InvalidObjectInstance = new(0x0117);
    public static readonly DimseStatus MissingAttribute = new(0x0120);
    public static readonly DimseStatus MissingAttributeValue = new(0x0121);
    public static readonly DimseStatus MistypedArgument = new(0x0212);
    public static readonly DimseStatus NoSuchArgument = new(0x0114);
    public static readonly DimseStatus NoSuchAttribute = new(0x0105);
    public static readonly DimseStatus NoSuchObjectInstance = new(0x0112);
    public static readonly DimseStatus NoSuchSopClass = new(0x0118);
    public static readonly DimseStatus ProcessingFailure = new(0x0110);
    public static readonly DimseStatus ResourceLimitation = new(0x0213);
    public static readonly DimseStatus UnrecognizedOperation = new(0x0211);

    public static readonly DimseStatus Cancel = new(0xFE00);
    public static readonly DimseStatus Pending = new(0xFF00);

    public DimseStatusCategory Category => Code switch
    {
        0x0000 => DimseStatusCategory.Success,
        0x0001 or 0x0107 or 0x0116 or (>= 0xB000 and <= 0xBFFF) => DimseStatusCategory.Warning,
        0xFE00 => DimseStatusCategory.Cancel,
        0xFF00 or 0xFF01 => DimseStatusCategory.Pending,
        _ => DimseStatusCategory.Failure,
    };

    public bool IsSuccess => Category == DimseStatusCategory.Success;

    public bool IsWarning => Category == DimseStatusCategory.Warning;

    public bool IsFailure => Category == DimseStatusCategory.Failure;

    /// <summary>The code in hex and its meaning, e.g. "A700 (Refused: Out of Resources)".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Code:X4} ({Meaning})");

    public string Meaning => Code switch
    {
        0x0000 => "Success",
        0x0001 => "Warning: requested optional attributes are not supported",
        0xB000 => "Warning: coercion of data elements",
        0xB006 => "Warning: elements discarded",
        0xB007 => "Warning: data set does not match SOP class",
        0x0107 => "Warning: attribute list error",
        0x0116 => "Warning: attribute value out of range",
        0x0105 => "Failure: no such attribute",
        0x0110 => "Failure: processing failure",
        0x0111 => "Failure: duplicate SOP instance",
        0x0112 => "Failure: no such object instance",
        0x0114 => "Failure: no such argument",
        0x0115 => "Failure: invalid argument value",
        0x0117 => "Failure: invalid object instance",
        0x0118 => "Failure: no such SOP class",
        0x0119 => "Failure: class-instance conflict",
        0x0120 => "Failure: missing attribute",
        0x0121 => "Failure: missing attribute value",
        0x0122 => "Refused: SOP class not supported",
        0x0124 => "Refused: not authorized",
        0x0210 => "Failure: duplicate invocation",
        0x0211 => "Failure: unrecognized operation",
        0x0212 => "Failure: mistyped argument",
        0x0213 => "Failure: resource limitation",
        0xFE00 => "Cancel",
        0xFF00 or 0xFF01 => "Pending",
        >= 0xA700 and <= 0xA7FF => "Refused: out of resources",
        >= 0xA900 and <= 0xA9FF => "Error: data set does not match SOP class",
        >= 0xC000 and <= 0xCFFF => "Error: cannot understand",
        >= 0xB000 and <= 0xBFFF => "Warning",
        _ => "Failure",
    };
}
