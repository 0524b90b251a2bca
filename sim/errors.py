"""Errors that mean "the user gave bad input", as distinct from bugs.

The CLI turns every :class:`UserInputError` into a one-paragraph message and exit code 2;
anything else is an internal error (exit code 1).
"""


class UserInputError(ValueError):
    """Bad input from a user: a file, a field, a value or an option.

    Examples:
        >>> import sim
        >>> try:
        ...     sim.run("nowhere")
        ... except sim.UserInputError as error:   # the CLI prints it and exits with code 2
        ...     print(str(error).split(" (")[0])
        unknown scenario 'nowhere'
    """
