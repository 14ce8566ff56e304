"""Spanish texts of the web panel and of ``/panel`` (the page labels are in the templates, bot/web/templates)."""

CMD_PANEL = "Abre el panel web (enlace privado de un solo uso, 10 minutos)"
PANEL_OFF = "El panel web no está activado en este servidor (falta `WEB_BASE_URL`). Pídeselo a un admin."
PANEL_LINK = (
    "🔐 Tu enlace al panel (un solo uso, vence a las {until}): {url}\n"
    "No lo compartas: quien lo abra entra como tú. La sesión dura 12 horas."
)
LINK_RATE_LIMITED = "Ya pediste {n} enlaces en los últimos {minutes} minutos. Usa el último o espera unos minutos."

LOGIN_INVALID = "El enlace no es válido, ya se usó o venció (duran 10 minutos). Pide otro con /panel en Discord."
LOGIN_NEEDED = "Entra con el enlace que te da /panel en Discord."
NOT_A_MEMBER = "Tu usuario ya no está en el servidor de Sense Digital, o no tiene ningún rol del programa."
FORBIDDEN = "No tienes el rol necesario para ver esta página ({roles})."
NOT_FOUND = "No existe o no tienes acceso."
CSRF_FAILED = "El formulario venció o no vino de esta página. Recarga la página e inténtalo de nuevo."
REASON_REQUIRED = "Escribe el motivo del rechazo (al menos 3 caracteres)."
LOGGED_OUT = "Cerraste la sesión."
BAD_FILTER = "Filtro no válido: {detail}"
UNEXPECTED = "Algo salió mal de nuestro lado. Si se repite, avísale a un admin con esta referencia: {ref}."
