from tenants.errors import ApplicationError


class DefinitionError(ApplicationError):
    """A definition file or draft breaks the format; `problems` lists each with its path."""

    code = "invalid_definition"

    def __init__(self, where: str, problems: list[str]):
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"{where}: {count}:\n  " + "\n  ".join(problems))
        self.where = where
        self.problems = problems
