# Build the Windows setup program: PyInstaller one-folder app, then Inno Setup.
# Run from the repository root in PowerShell, with Python 3.11 (64-bit) and Inno Setup 6 installed:
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
# Output: dist\sentiment-studio\sentiment-studio.exe and
#         dist\sentiment-studio-<version>-windows-x64-setup.exe
$ErrorActionPreference = "Stop"
Set-Location (Resolve-Path "$PSScriptRoot\..\..")

$venv = "build\package-venv"
if (-not (Test-Path "$venv\Scripts\python.exe")) {
    py -3.11 -m venv $venv
    & "$venv\Scripts\python.exe" -m pip install --upgrade pip
    # torch pinned as on Linux (the Makefile's TORCH_SPEC); PyPI's Windows wheels are CPU builds.
    & "$venv\Scripts\python.exe" -m pip install "torch==2.13.0"
    $reqs = & "$venv\Scripts\python.exe" -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + p['optional-dependencies']['package'] + ['pyinstaller-hooks-contrib', 'pillow']))"
    $reqs | Set-Content -Encoding utf8 build\package-requirements.txt
    & "$venv\Scripts\python.exe" -m pip install -r build\package-requirements.txt
    if ($LASTEXITCODE -ne 0) { throw "pip install failed" }
}

& "$venv\Scripts\python.exe" -m PyInstaller --noconfirm --distpath dist --workpath build\pyinstaller packaging\sentiment_studio.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }

# The app is windowed (no console): the self-test writes its report to a file.
$p = Start-Process -FilePath "dist\sentiment-studio\sentiment-studio.exe" -ArgumentList "self-test", "--report", "build\self-test.json" -Wait -PassThru
Get-Content build\self-test.json
if ($p.ExitCode -ne 0) { throw "self-test of the frozen app failed" }

$version = & "$venv\Scripts\python.exe" -c "import desktop_app; print(desktop_app.__version__)"
$iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe"
& $iscc "/DAppVersion=$version" packaging\windows\sentiment-studio.iss
if ($LASTEXITCODE -ne 0) { throw "ISCC failed" }
Get-ChildItem dist\*-setup.exe
