using Xunit;

namespace PlaoImaging.Dicom.Tests.Core;

[Trait("Category", "unit")]
public class DicomSequenceTests
{
    private static readonly DicomTag ContentSequence = new(0x0040, 0xA730);
    private static readonly DicomTag ConceptNameCodeSequence = new(0x0040, 0xA043);
    private static readonly DicomTag TextValue = new(0x0040, 0xA160);

    [Fact]
    public void Add_SequenceAlreadyInDataset_SetsItemParent()
    {
        var root = new DicomDataset();
        var sequence = new DicomSequence(ContentSequence);
        root.Add(sequence);
        var item = new DicomDataset();

        sequence.Add(item);

        Assert.Same(root, item.Parent);
        Assert.Same(item, Assert.Single(sequence.Items));
    }

    [Fact]
    public void Add_SequenceNotYetInDataset_ItemGetsParentWhenSequenceIsAdded()
    {
        var item = new DicomDataset();
        var sequence = new DicomSequence(ContentSequence, [item]);
        Assert.Null(item.Parent);

        var root = new DicomDataset().Add(sequence);

        Assert.Same(root, item.Parent);
    }

    [Fact]
    public void Add_ItemOfAnotherSequence_ThrowsNamingThatSequence()
    {
        var item = new DicomDataset();
        _ = new DicomSequence(ConceptNameCodeSequence, [item]);

        var e = Assert.Throws<ArgumentException>(() => new DicomSequence(ContentSequence, [item]));

        Assert.Contains("(0040,A043)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_SameItemTwice_Throws()
    {
        var item = new DicomDataset();
        var sequence = new DicomSequence(ContentSequence, [item]);

        Assert.Throws<ArgumentException>(() => sequence.Add(item));
        Assert.Single(sequence.Items);
    }

    [Fact]
    public void Add_ItemThatHoldsTheSequence_ThrowsCycle()
    {
        var root = new DicomDataset();
        var sequence = new DicomSequence(ContentSequence);
        root.Add(sequence);
        var child = new DicomDataset();
        sequence.Add(child);
        var inner = new DicomSequence(ContentSequence);
        child.Add(inner);

        Assert.Throws<ArgumentException>(() => inner.Add(root));
        Assert.Throws<ArgumentException>(() => inner.Add(child));
    }

    [Fact]
    public void AddSequence_ToDatasetThatIsOneOfItsItems_ThrowsCycle()
    {
        var item = new DicomDataset();
        var sequence = new DicomSequence(ContentSequence, [item]);

        Assert.Throws<ArgumentException>(() => item.Add(sequence));
    }

    [Fact]
    public void AddSequence_AlreadyInAnotherDataset_Throws()
    {
        var sequence = new DicomSequence(ContentSequence, [new DicomDataset()]);
        var first = new DicomDataset().Add(sequence);

        Assert.Throws<ArgumentException>(() => new DicomDataset().Add(sequence));
        Assert.Same(first, sequence.Items[0].Parent);
    }

    [Fact]
    public void AddOrUpdate_SameSequenceAgain_KeepsIt()
    {
        var sequence = new DicomSequence(ContentSequence, [new DicomDataset()]);
        var root = new DicomDataset().Add(sequence);

        root.AddOrUpdate(sequence);

        Assert.Same(root, sequence.Items[0].Parent);
    }

    [Fact]
    public void RemoveAt_Item_ClearsParentAndCanBeAddedElsewhere()
    {
        var item = new DicomDataset();
        var sequence = new DicomSequence(ContentSequence, [item, new DicomDataset()]);
        new DicomDataset().Add(sequence);

        sequence.RemoveAt(0);

        Assert.Null(item.Parent);
        Assert.Single(sequence.Items);
        var other = new DicomSequence(ConceptNameCodeSequence, [item]);
        Assert.Same(item, other.Items[0]);
    }

    [Fact]
    public void Insert_AtIndex_KeepsOrder()
    {
        var a = new DicomDataset().AddString(TextValue, DicomVR.UT, "a");
        var b = new DicomDataset().AddString(TextValue, DicomVR.UT, "b");
        var c = new DicomDataset().AddString(TextValue, DicomVR.UT, "c");
        var sequence = new DicomSequence(ContentSequence, [a, c]);

        sequence.Insert(1, b);

        Assert.Equal(["a", "b", "c"], sequence.Items.Select(i => i.GetString(TextValue)));
        Assert.Throws<ArgumentOutOfRangeException>(() => sequence.Insert(5, new DicomDataset()));
    }

    [Fact]
    public void Clear_ReleasesEveryItem()
    {
        var items = new[] { new DicomDataset(), new DicomDataset() };
        var sequence = new DicomSequence(ContentSequence, items);
        new DicomDataset().Add(sequence);

        sequence.Clear();

        Assert.Empty(sequence.Items);
        Assert.All(items, i => Assert.Null(i.Parent));
        Assert.Equal(2, new DicomSequence(ContentSequence, items).Items.Count);
    }

    [Fact]
    public void Remove_ItemNotInSequence_ReturnsFalse()
    {
        var sequence = new DicomSequence(ContentSequence, [new DicomDataset()]);
        Assert.False(sequence.Remove(new DicomDataset()));
        Assert.True(sequence.Remove(sequence.Items[0]));
    }

    [Fact]
    public void RemoveFromDataset_Sequence_CanBeAddedToAnother()
    {
        var sequence = new DicomSequence(ContentSequence, [new DicomDataset()]);
        var first = new DicomDataset().Add(sequence);

        Assert.True(first.Remove(ContentSequence));
        Assert.Null(sequence.Items[0].Parent);

        var second = new DicomDataset().Add(sequence);
        Assert.Same(second, sequence.Items[0].Parent);
    }

    [Fact]
    public void AddOrUpdate_ReplacingSequence_ReleasesTheOldOne()
    {
        var old = new DicomSequence(ContentSequence, [new DicomDataset()]);
        var root = new DicomDataset().Add(old);

        root.AddOrUpdate(new DicomSequence(ContentSequence));

        Assert.Null(old.Items[0].Parent);
        new DicomDataset().Add(old);
    }

    [Fact]
    public void RemoveAll_Sequence_ReleasesIt()
    {
        var sequence = new DicomSequence(ContentSequence, [new DicomDataset()]);
        var root = new DicomDataset().Add(sequence);

        root.RemoveAll(e => e is DicomSequence);

        Assert.Null(sequence.Items[0].Parent);
    }

    [Fact]
    public void Items_IsReadOnly()
    {
        var sequence = new DicomSequence(ContentSequence, [new DicomDataset()]);
        Assert.False(sequence.Items is List<DicomDataset>);
        Assert.True(((ICollection<DicomDataset>)sequence.Items).IsReadOnly);
    }

    [Fact]
    public void Item_InheritsCharacterSetOfTheDatasetHoldingTheSequence()
    {
        var item = new DicomDataset();
        var root = new DicomDataset().AddString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");

        root.AddSequence(ContentSequence, item);

        Assert.Equal(["ISO_IR 192"], item.TextEncoding.Terms);
    }

    [Fact]
    public void Clone_NestedTree_IsIndependentCopyWithOwnParents()
    {
        var leaf = new DicomDataset().AddString(TextValue, DicomVR.UT, "text");
        var root = new DicomDataset().AddSequence(ContentSequence, new DicomDataset().AddSequence(ContentSequence, leaf));

        var copy = root.Clone();

        Assert.True(new DicomDatasetComparer().Equals(root, copy));
        var copiedOuter = copy.GetSequence(ContentSequence).Items[0];
        Assert.Same(copy, copiedOuter.Parent);
        Assert.NotSame(root.GetSequence(ContentSequence).Items[0], copiedOuter);
        copiedOuter.GetSequence(ContentSequence).Clear();
        Assert.Single(root.GetSequence(ContentSequence).Items[0].GetSequence(ContentSequence).Items);

        // The copy's items are its own: they can go into another tree, and so can the original's sequence.
        new DicomDataset().AddSequence(ConceptNameCodeSequence, copy.GetSequence(ContentSequence).Items[0].Clone());
    }
}
