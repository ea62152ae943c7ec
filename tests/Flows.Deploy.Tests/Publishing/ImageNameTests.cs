using Flows.Deploy.Publishing;

namespace Flows.Deploy.Tests.Publishing;

public sealed class ImageNameTests
{
    [Theory]
    [InlineData("localhost:5000/hello", "localhost:5000", "hello")]
    [InlineData("123456789012.dkr.ecr.eu-west-1.amazonaws.com/flows/hello", "123456789012.dkr.ecr.eu-west-1.amazonaws.com", "flows/hello")]
    [InlineData("localhost/a.b_c-d", "localhost", "a.b_c-d")]
    public void Parses_registry_and_repository(string text, string registry, string repository)
    {
        var name = ImageName.TryParse(text, out var problem);
        Assert.Null(problem);
        Assert.Equal(new ImageName(registry, repository), name);
        Assert.Equal($"{text}:abc1234@sha256:00", name!.Reference("abc1234", "sha256:00"));
    }

    [Theory]
    [InlineData("hello")]                      // no registry: would silently mean Docker Hub
    [InlineData("library/hello")]              // first component is not a host
    [InlineData("localhost:5000/hello:v1")]    // the tag is the commit's
    [InlineData("localhost:5000/Hello")]       // uppercase is not a valid repository
    [InlineData("localhost:5000/")]
    public void Refuses_what_is_not_a_destination(string text)
    {
        Assert.Null(ImageName.TryParse(text, out var problem));
        Assert.NotNull(problem);
    }
}
