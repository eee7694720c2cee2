namespace OAuth2.Actors.Core.Tests;

public class PersistenceIdsTests
{
    [Fact]
    public void PersistenceIds_must_keep_every_key_without_a_nul_as_it_is()
    {
        Assert.Equal("client-billing", PersistenceIds.For("client-", "billing"));
        Assert.Equal("user-a.b_c-d@e", PersistenceIds.For("user-", "a.b_c-d@e"));
        Assert.Equal("client-%00 \u00fc\u20ac", PersistenceIds.For("client-", "%00 \u00fc\u20ac"));
    }

    [Fact]
    public void PersistenceIds_must_write_no_nul_to_the_journal()
    {
        // PostgreSQL refuses NUL in text: a request's client_id=%00 must recover an empty entity, not fail its read.
        var id = PersistenceIds.For("client-", "a\0b\0");

        Assert.DoesNotContain('\0', id);
        Assert.Equal("client-a\u2400b\u2400", id);
        Assert.NotEqual(PersistenceIds.For("client-", "ab"), id);
    }
}
