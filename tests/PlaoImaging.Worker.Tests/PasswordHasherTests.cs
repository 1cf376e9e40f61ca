using PlaoImaging.Worker.Security;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>The PBKDF2 hashes of local accounts: verification, and malformed text refused rather than compared.</summary>
[Trait("Category", "unit")]
public sealed class PasswordHasherTests
{
    // The fewest iterations a hash may name; the default (600,000) is slow on purpose.
    private const int FewIterations = 10_000;

    [Fact]
    public void Verify_RightAndWrongPassword_AcceptsOnlyTheRightOne()
    {
        string hash = PasswordHasher.Hash("correct horse", FewIterations);

        Assert.True(PasswordHasher.Verify("correct horse", hash));
        Assert.False(PasswordHasher.Verify("correct hors", hash));
        Assert.False(PasswordHasher.Verify("Correct horse", hash));
        Assert.False(PasswordHasher.Verify(string.Empty, hash));
    }

    [Fact]
    public void Hash_SamePasswordTwice_SaltsDiffer()
    {
        string a = PasswordHasher.Hash("secret", FewIterations);
        string b = PasswordHasher.Hash("secret", FewIterations);

        Assert.NotEqual(a, b);
        Assert.True(PasswordHasher.Verify("secret", a));
        Assert.True(PasswordHasher.Verify("secret", b));
    }

    [Fact]
    public void Hash_DefaultIterations_NamesThemInTheHash()
    {
        string hash = PasswordHasher.Hash("secret");

        Assert.StartsWith("pbkdf2-sha256$600000$", hash, StringComparison.Ordinal);
        Assert.True(PasswordHasher.IsWellFormed(hash));
    }

    [Theory]
    [InlineData("")]
    [InlineData("secret")]
    [InlineData("pbkdf2-sha256$10000$c2FsdHNhbHQ=")]
    [InlineData("pbkdf2-sha1$10000$c2FsdHNhbHQ=$MDEyMzQ1Njc4OWFiY2RlZg==")]
    [InlineData("pbkdf2-sha256$9999$c2FsdHNhbHQ=$MDEyMzQ1Njc4OWFiY2RlZg==")]
    [InlineData("pbkdf2-sha256$-10000$c2FsdHNhbHQ=$MDEyMzQ1Njc4OWFiY2RlZg==")]
    [InlineData("pbkdf2-sha256$ten$c2FsdHNhbHQ=$MDEyMzQ1Njc4OWFiY2RlZg==")]
    [InlineData("pbkdf2-sha256$10000$not base64!$MDEyMzQ1Njc4OWFiY2RlZg==")]
    [InlineData("pbkdf2-sha256$10000$c2FsdA==$MDEyMzQ1Njc4OWFiY2RlZg==")]
    [InlineData("pbkdf2-sha256$10000$c2FsdHNhbHQ=$c2hvcnQ=")]
    [InlineData("pbkdf2-sha256$10000$c2FsdHNhbHQ=$MDEyMzQ1Njc4OWFiY2RlZg==$extra")]
    public void Verify_MalformedHash_IsRefusedAndNotWellFormed(string encoded)
    {
        Assert.False(PasswordHasher.IsWellFormed(encoded));
        Assert.False(PasswordHasher.Verify(string.Empty, encoded));
        Assert.False(PasswordHasher.Verify("secret", encoded));
    }

    [Fact]
    public void IsWellFormed_NullOrAHashMadeHere_AnswersAccordingly()
    {
        Assert.False(PasswordHasher.IsWellFormed(null));
        Assert.True(PasswordHasher.IsWellFormed(PasswordHasher.Hash("x", FewIterations)));
        Assert.True(PasswordHasher.IsWellFormed("pbkdf2-sha256$10000$c2FsdHNhbHQ=$MDEyMzQ1Njc4OWFiY2RlZg=="));
    }
}
