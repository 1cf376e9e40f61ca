using PlaoImaging.Dicom.Network.Tests.Support;
using Xunit;

namespace PlaoImaging.Dicom.Network.Tests.UpperLayer;

/// <summary>The reader without I/O: every prefix of a PDU answers "need more bytes", the whole PDU is read, and PDUs back to back are read one after the other.</summary>
[Trait("Category", "unit")]
public sealed class PduIncrementalReadTests
{
    public static TheoryData<string> PduNames() => [.. SamplePdus.All().Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(PduNames))]
    public void TryRead_EveryPrefix_NeedsMoreBytes(string name)
    {
        var bytes = PduWriter.ToArray(SamplePdus.All().Single(p => p.Name == name).Pdu);

        for (int prefix = 0; prefix < bytes.Length; prefix++)
        {
            bool complete = PduReader.TryRead(bytes.AsMemory(0, prefix), 0, out var pdu, out int needed);

            Assert.False(complete, $"{prefix} of {bytes.Length} bytes read as a whole PDU");
            Assert.Null(pdu);
            Assert.True(needed >= prefix + 1, $"{prefix} of {bytes.Length} bytes: needed {needed}");
            Assert.True(needed <= bytes.Length, $"{prefix} of {bytes.Length} bytes: needed {needed}, more than the PDU");
            if (prefix >= PduReader.HeaderLength)
            {
                Assert.Equal(bytes.Length, needed);
            }
        }

        Assert.True(PduReader.TryRead(bytes, 0, out var whole, out int wholeNeeded));
        Assert.NotNull(whole);
        Assert.Equal(bytes.Length, wholeNeeded);
    }

    [Fact]
    public void TryRead_TwoPdusBackToBack_ReadOneAfterTheOther()
    {
        var first = PduWriter.ToArray(SamplePdus.FullRequest());
        var second = PduWriter.ToArray(SamplePdus.MultiValueData());
        byte[] both = [.. first, .. second];

        Assert.True(PduReader.TryRead(both, 0, out var one, out int needed));
        Assert.Equal(first.Length, needed);
        SamplePdus.AssertEqual(SamplePdus.FullRequest(), one);

        Assert.True(PduReader.TryRead(both.AsMemory(needed), 0, out var two, out int needed2));
        Assert.Equal(second.Length, needed2);
        SamplePdus.AssertEqual(SamplePdus.MultiValueData(), two);
    }

    [Fact]
    public void TryRead_AllPdusConcatenatedFedInChunks_EachReadOnceInOrder()
    {
        var pdus = SamplePdus.All().Select(p => p.Pdu).ToList();
        var stream = pdus.SelectMany(PduWriter.ToArray).ToArray();
        var buffer = new List<byte>();
        var read = new List<Pdu>();
        var random = new Random(7);
        int at = 0;
        while (at < stream.Length)
        {
            int chunk = Math.Min(random.Next(1, 40), stream.Length - at);
            buffer.AddRange(stream.AsSpan(at, chunk));
            at += chunk;
            while (true)
            {
                var copy = buffer.ToArray();
                if (!PduReader.TryRead(copy, 0, out var pdu, out int needed))
                {
                    Assert.True(needed > copy.Length);
                    break;
                }

                read.Add(pdu);
                buffer.RemoveRange(0, needed);
            }
        }

        Assert.Empty(buffer);
        Assert.Equal(pdus.Count, read.Count);
        for (int i = 0; i < pdus.Count; i++)
        {
            SamplePdus.AssertEqual(pdus[i], read[i]);
        }
    }

    [Fact]
    public void TryReadHeader_FewerThanSixBytes_False()
    {
        Assert.False(PduReader.TryReadHeader([0x04, 0, 0, 0, 0], 0, out _, out _));
        Assert.True(PduReader.TryReadHeader([0x04, 0, 0, 0, 1, 0], 0, out byte type, out int length));
        Assert.Equal(0x04, type);
        Assert.Equal(256, length);
    }
}
