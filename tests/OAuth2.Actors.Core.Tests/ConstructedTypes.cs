using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace OAuth2.Actors.Core.Tests;

/// <summary>
/// The types of the core an actor class builds (<c>newobj</c>) or reads from a static field (<c>ldsfld</c>), found in
/// its IL and that of the closures and state machines the compiler nested in it: what it can send, without
/// trusting a hand-written list to be complete.
/// </summary>
internal static class ConstructedTypes
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    public static IReadOnlySet<Type> In(Type actor)
    {
        var found = new HashSet<Type>();
        foreach (var type in WithNested(actor))
        {
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var methods = type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all));
            foreach (var method in methods)
            {
                Scan(method, found);
            }
        }

        return found;
    }

    private static IEnumerable<Type> WithNested(Type type) =>
        type.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic).SelectMany(WithNested).Prepend(type);

    private static void Scan(MethodBase method, HashSet<Type> found)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            return;
        }

        var typeArgs = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var at = 0;
        while (at < il.Length)
        {
            var value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            at += il[at] == 0xFE ? 2 : 1;
            var opCode = OpCodesByValue[value];
            if (opCode == OpCodes.Newobj)
            {
                Add(method.Module.ResolveMethod(BitConverter.ToInt32(il, at), typeArgs, methodArgs)!.DeclaringType!, found);
            }
            else if (opCode == OpCodes.Ldsfld && method.Module.ResolveField(BitConverter.ToInt32(il, at), typeArgs, methodArgs) is { } field)
            {
                Add(field.FieldType, found);
            }

            at += opCode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
                _ => 4,
            };
        }
    }

    private static void Add(Type type, HashSet<Type> found)
    {
        if (type.Assembly == typeof(OAuth2.Actors.Serialization.MessageManifests).Assembly && type.IsClass && !type.IsDefined(typeof(CompilerGeneratedAttribute)))
        {
            found.Add(type);
        }
    }
}
