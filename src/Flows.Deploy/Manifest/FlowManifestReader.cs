using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using Flows.Deploy.Diagnostics;

namespace Flows.Deploy.Manifest;

/// <summary>Reads <c>[assembly: Flows.FlowManifest("json")]</c> from metadata only: user code is never loaded or run.</summary>
public static class FlowManifestReader
{
    /// <summary>Reads the manifest embedded in the assembly at <paramref name="assemblyPath"/>.</summary>
    public static FlowManifest ReadFromAssembly(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata)
        {
            throw Error(DiagnosticCodes.ManifestMissing, assemblyPath, "the file is not a .NET assembly", "Point at the project's build output (bin/<Configuration>/<tfm>/<name>.dll)");
        }

        var md = pe.GetMetadataReader();
        foreach (var handle in md.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = md.GetCustomAttribute(handle);
            if (!IsFlowManifestAttribute(md, attribute.Constructor))
            {
                continue;
            }

            // The blob is prolog 0x0001 followed by one SerString: the JSON.
            var blob = md.GetBlobReader(attribute.Value);
            if (blob.ReadUInt16() != 1)
            {
                break;
            }

            return Parse(blob.ReadSerializedString() ?? "", assemblyPath);
        }

        throw Error(DiagnosticCodes.ManifestMissing, assemblyPath, "the assembly has no [assembly: Flows.FlowManifest] attribute",
            "Reference the Flows package (its generator emits the manifest) and declare at least one [Flow] method");
    }

    /// <summary>Parses manifest JSON (as embedded, or from obj/&lt;Configuration&gt;/flows/manifest.json).</summary>
    public static FlowManifest Parse(string json, string origin = "manifest.json")
    {
        try
        {
            var manifest = JsonSerializer.Deserialize<FlowManifest>(json);
            if (manifest?.Flows is null)
            {
                throw Error(DiagnosticCodes.ManifestInvalid, origin, "the flow manifest has no 'flows' list", "Rebuild the project with the current Flows package");
            }

            return manifest;
        }
        catch (JsonException ex)
        {
            throw Error(DiagnosticCodes.ManifestInvalid, origin, $"the flow manifest is not valid JSON ({ex.Message})", "Rebuild the project with the current Flows package");
        }
    }

    private static bool IsFlowManifestAttribute(MetadataReader md, EntityHandle constructor)
    {
        EntityHandle type;
        if (constructor.Kind == HandleKind.MemberReference)
        {
            type = md.GetMemberReference((MemberReferenceHandle)constructor).Parent;
        }
        else if (constructor.Kind == HandleKind.MethodDefinition)
        {
            type = md.GetMethodDefinition((MethodDefinitionHandle)constructor).GetDeclaringType();
        }
        else
        {
            return false;
        }

        return type.Kind switch
        {
            HandleKind.TypeReference => Is(md, md.GetTypeReference((TypeReferenceHandle)type).Namespace, md.GetTypeReference((TypeReferenceHandle)type).Name),
            HandleKind.TypeDefinition => Is(md, md.GetTypeDefinition((TypeDefinitionHandle)type).Namespace, md.GetTypeDefinition((TypeDefinitionHandle)type).Name),
            _ => false,
        };

        static bool Is(MetadataReader md, StringHandle ns, StringHandle name) =>
            md.StringComparer.Equals(ns, "Flows") && md.StringComparer.Equals(name, "FlowManifestAttribute");
    }

    private static DeployException Error(string code, string file, string message, string fix) =>
        new([new DeployDiagnostic(code, true, message, fix + ".", file)]);
}
