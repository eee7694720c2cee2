using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;

namespace OAuth2.Actors.Core.Tests;

/// <summary>
/// Every record of the core whose members carry a secret, a password or a token prints it redacted: messages end up in
/// Akka's logs (dead letters, unhandled messages, debug receive logging) through their <c>ToString</c>. The records are
/// found by reflection, so a new one cannot be forgotten.
/// </summary>
public partial class RecordRedactionTests(ITestOutputHelper output)
{
    /// <summary>The value every sensitive member gets; no part of its beginning may appear in a record's text.</summary>
    private const string Sample = "SAMPLE-SECRET-VALUE-0123456789abcdef";

    private const string SamplePrefix = "SAMPLE-SECRET";

    public static TheoryData<Type> SensitiveRecords()
    {
        var data = new TheoryData<Type>();
        foreach (var type in Records().Where(t => Sensitive(t, depth: 0)))
        {
            data.Add(type);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SensitiveRecords))]
    public void Record_with_a_secret_password_or_token_must_not_print_it(Type record)
    {
        var instance = Build(record, depth: 0);
        Assert.NotNull(instance);

        var text = instance.ToString()!;

        output.WriteLine(text);
        Assert.DoesNotContain(SamplePrefix, text, StringComparison.Ordinal);
    }

    /// <summary>The reflection finds what the issue names (so the theory above cannot pass by finding nothing).</summary>
    [Fact]
    public void Record_scan_must_find_the_known_carriers_of_secrets()
    {
        var found = Records().Where(t => Sensitive(t, depth: 0)).ToHashSet();

        Assert.Contains(typeof(TokenIssued), found);
        Assert.Contains(typeof(ClientRegistrationSucceeded), found);
        Assert.Contains(typeof(ClientRegistrationResponse), found);
        Assert.Contains(typeof(AdminCreateUser), found);
        Assert.Contains(typeof(Users.CreateUser), found);
        Assert.Contains(typeof(AuthenticateClient), found);
    }

    [Fact]
    public void Stored_client_and_user_records_must_not_print_their_hashes()
    {
        var client = new ClientRecord("c1", "n", [], [], [], "client_secret_basic", "read", "secret-hash-value", "registration-hash-value", 0);
        var user = new Users.UserRecord("u1", "alice", null, "password-hash-value", DateTimeOffset.UnixEpoch);

        Assert.DoesNotContain("hash-value", client.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hash-value", user.ToString(), StringComparison.Ordinal);
        Assert.Contains("c1", client.ToString(), StringComparison.Ordinal);
        Assert.Contains("alice", user.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "null")]
    [InlineData("", "***")]
    [InlineData("short", "***")]
    [InlineData("0123456789abcdefWXYZ", "***WXYZ")]
    public void Redact_must_show_at_most_the_last_four_characters_of_a_long_value(string? value, string expected)
    {
        Assert.Equal(expected, Redact.Tail(value));
    }

    // ---- reflection -------------------------------------------------------------------------------------------------

    // Names that hold a secret, a password, a token or a PKCE verifier; not the names that only describe one.
    [GeneratedRegex("Secret|Password|Token|Credential|Verifier|Pem")]
    private static partial Regex SensitiveName();

    [GeneratedRegex("(Type|TypeHint|Types|AuthMethod|Id|Ids|Hash|Hashes|Count|Ttl|Lifetime|At|ExpiresAt|Endpoint|Uri|Issued|Length)$")]
    private static partial Regex DescriptiveName();

    private static bool IsSensitiveName(string name)
    {
        var pascal = char.ToUpperInvariant(name[0]) + name[1..];
        return SensitiveName().IsMatch(pascal) && !DescriptiveName().IsMatch(pascal);
    }

    private static IEnumerable<Type> Records() =>
        typeof(TokenIssued).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsGenericTypeDefinition: false } && t.GetMethod("<Clone>$") is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal);

    /// <summary>A string member named like a secret, here or in a record it holds.</summary>
    private static bool Sensitive(Type type, int depth)
    {
        if (depth > 3 || Constructor(type) is not { } ctor)
        {
            return false;
        }

        foreach (var p in ctor.GetParameters())
        {
            var t = Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType;
            if ((t == typeof(string) || typeof(IEnumerable<string>).IsAssignableFrom(t)) && IsSensitiveName(p.Name!))
            {
                return true;
            }

            if (t.GetMethod("<Clone>$") is not null && !t.IsAbstract && Sensitive(t, depth + 1))
            {
                return true;
            }
        }

        return false;
    }

    private static ConstructorInfo? Constructor(Type type) =>
        type.GetConstructors().Where(c => !(c.GetParameters() is [var only] && only.ParameterType == type))
            .OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();

    private static object? Build(Type type, int depth, string? name = null)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        var sensitive = name is not null && IsSensitiveName(name);
        if (t == typeof(string))
        {
            return sensitive ? Sample : "x";
        }

        if (t == typeof(object))
        {
            return "x";
        }

        if (typeof(Delegate).IsAssignableFrom(t))
        {
            return null; // a node-local callback (IntrospectToken's MayKnow): nothing to print
        }

        if (t.IsEnum)
        {
            return Enum.GetValues(t).GetValue(0);
        }

        if (t == typeof(DateTimeOffset))
        {
            return new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        }

        if (t == typeof(TimeSpan))
        {
            return TimeSpan.FromMinutes(1);
        }

        if (t.IsPrimitive || t == typeof(decimal))
        {
            return Activator.CreateInstance(t);
        }

        if (t.IsArray || (t.IsGenericType && t.GetGenericTypeDefinition() is var g && (g == typeof(IReadOnlyList<>) || g == typeof(IEnumerable<>) || g == typeof(IReadOnlyCollection<>) || g == typeof(IList<>) || g == typeof(List<>))))
        {
            var element = t.IsArray ? t.GetElementType()! : t.GetGenericArguments()[0];
            var array = Array.CreateInstance(element, 1);
            array.SetValue(depth > 3 ? null : Build(element, depth + 1, name), 0);
            return t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>) ? Activator.CreateInstance(t, array) : array;
        }

        if (t.IsGenericType && t.GetGenericArguments() is [var k, var v] && typeof(IEnumerable).IsAssignableFrom(t))
        {
            var dictionary = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(k, v))!;
            if (k == typeof(string) && v == typeof(string))
            {
                dictionary["key"] = "x";
            }

            return dictionary;
        }

        if (depth > 4 || t.IsAbstract || t.IsInterface || Constructor(t) is not { } ctor)
        {
            return null;
        }

        var arguments = ctor.GetParameters().Select(p => Build(p.ParameterType, depth + 1, p.Name)).ToArray();
        return ctor.Invoke(arguments);
    }
}
